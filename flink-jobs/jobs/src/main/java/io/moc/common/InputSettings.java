package io.moc.common;

import java.io.Serializable;

/**
 * What {@link InputOptions} say about the jobs' inputs, read once and shipped to the guards.
 *
 * @param poisonPillJournal a Flink FileSystem URI; null: failures are not tracked across restarts
 */
public record InputSettings(
    int maxItemBytes,
    int maxCodebookBytes,
    int maxImpressionBytes,
    int maxItemCodesBytes,
    int poisonPillFailures,
    String poisonPillJournal)
    implements Serializable {

  /** The defaults, without a journal: for tests that build a topology by hand. */
  public static InputSettings defaults() {
    return InputOptions.read(new org.apache.flink.configuration.Configuration());
  }

  /** One input of a job: its size limit and the option that sets it. */
  public Input items() {
    return new Input("items", maxItemBytes, InputOptions.MAX_ITEM_BYTES.key(), this);
  }

  public Input codebooks() {
    return new Input("codebooks", maxCodebookBytes, InputOptions.MAX_CODEBOOK_BYTES.key(), this);
  }

  public Input impressions() {
    return new Input(
        "impressions", maxImpressionBytes, InputOptions.MAX_IMPRESSION_BYTES.key(), this);
  }

  public Input itemCodes() {
    return new Input(
        "item-codes", maxItemCodesBytes, InputOptions.MAX_ITEM_CODES_BYTES.key(), this);
  }

  /** The guard's view of one input. */
  public record Input(String name, int maxBytes, String maxBytesOption, InputSettings settings)
      implements Serializable {}
}
