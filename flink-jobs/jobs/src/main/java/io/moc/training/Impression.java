package io.moc.training;

import io.moc.common.RawRecord;

/** A validated impression on its way to the join. A Flink POJO. */
public class Impression {
  public String impressionId;
  public String userId;
  public String itemId;

  /** When the item was shown, epoch milliseconds. */
  public long eventTime;

  public boolean clicked;

  /** The record it came from, for a dead letter if it cannot be joined. */
  public RawRecord source;

  public Impression() {}
}
