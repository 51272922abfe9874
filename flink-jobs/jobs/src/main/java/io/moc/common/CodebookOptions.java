package io.moc.common;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/**
 * What the indexing job's codes and the training job's model must agree on, read by both from the
 * same configuration; a codebook version says M itself.
 */
public final class CodebookOptions {

  public static final ConfigOption<Integer> CODEBOOK_SIZE =
      ConfigOptions.key("moc.codebook.size")
          .intType()
          .defaultValue(256)
          .withDescription("Number K of code vectors per codebook.");

  private CodebookOptions() {}
}
