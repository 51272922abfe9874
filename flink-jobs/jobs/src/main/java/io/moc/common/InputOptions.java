package io.moc.common;

import java.util.Optional;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.ReadableConfig;

/** The limits every job applies to the records it reads, before it decodes them. */
public final class InputOptions {

  private InputOptions() {}

  public static final ConfigOption<MemorySize> MAX_ITEM_BYTES =
      ConfigOptions.key("moc.input.items.max-record-size")
          .memoryType()
          .defaultValue(MemorySize.parse("256kb"))
          .withDescription(
              "Largest item record (key plus value) the indexing job decodes; larger ones are"
                  + " dead-lettered as RECORD_TOO_LARGE. An item's text is truncated to the"
                  + " embedding model's token limit anyway; a 384-float embedding is 1.6 KB.");

  public static final ConfigOption<MemorySize> MAX_CODEBOOK_BYTES =
      ConfigOptions.key("moc.input.codebooks.max-record-size")
          .memoryType()
          .defaultValue(MemorySize.parse("8mb"))
          .withDescription(
              "Largest codebook version record read back from the codebooks topic. A version"
                  + " carries its codebook inline (a 7x256 codebook of 384-dimensional codes is"
                  + " about 2.7 MB): keep this at least the topic's max.message.bytes.");

  public static final ConfigOption<MemorySize> MAX_IMPRESSION_BYTES =
      ConfigOptions.key("moc.input.impressions.max-record-size")
          .memoryType()
          .defaultValue(MemorySize.parse("16kb"))
          .withDescription("Largest impression record the training job decodes.");

  public static final ConfigOption<MemorySize> MAX_ITEM_CODES_BYTES =
      ConfigOptions.key("moc.input.item-codes.max-record-size")
          .memoryType()
          .defaultValue(MemorySize.parse("16kb"))
          .withDescription("Largest item-codes record the training job decodes.");

  public static final ConfigOption<Integer> POISON_PILL_FAILURES =
      ConfigOptions.key("moc.input.poison-pill.failures")
          .intType()
          .defaultValue(3)
          .withDescription(
              "A record whose processing failed the job this many times in a row (tracked by"
                  + " topic, partition and offset across restarts) is dead-lettered as POISON_PILL"
                  + " and skipped on the next attempt, instead of crash-looping the job.");

  public static final ConfigOption<String> POISON_PILL_JOURNAL =
      ConfigOptions.key("moc.input.poison-pill.journal-dir")
          .stringType()
          .noDefaultValue()
          .withDescription(
              "Where failures are recorded across restarts (a Flink FileSystem URI every"
                  + " TaskManager reaches). Default: poison-pills/ under"
                  + " execution.checkpointing.dir; with neither, failures are not tracked.");

  /** Reads the limits; the journal defaults to a folder beside the checkpoints. */
  public static InputSettings read(ReadableConfig config) {
    Optional<String> journal =
        config
            .getOptional(POISON_PILL_JOURNAL)
            .or(
                () ->
                    config
                        .getOptional(CheckpointingOptions.CHECKPOINTS_DIRECTORY)
                        .map(dir -> dir.replaceAll("/+$", "") + "/poison-pills"));
    return new InputSettings(
        bytes(config, MAX_ITEM_BYTES),
        bytes(config, MAX_CODEBOOK_BYTES),
        bytes(config, MAX_IMPRESSION_BYTES),
        bytes(config, MAX_ITEM_CODES_BYTES),
        OptionChecks.atLeast(config, POISON_PILL_FAILURES, 1),
        journal.orElse(null));
  }

  private static int bytes(ReadableConfig config, ConfigOption<MemorySize> option) {
    long value = config.get(option).getBytes();
    if (value < 1 || value > Integer.MAX_VALUE) {
      throw OptionChecks.invalid(option, config.get(option), "must be in [1 b, 2 gb)");
    }
    return (int) value;
  }
}
