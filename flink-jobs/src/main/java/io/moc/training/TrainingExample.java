package io.moc.training;

import io.moc.common.RawRecord;

/**
 * One impression joined with the codes its item had when it was shown: what the online CTR trainer
 * learns from. A Flink POJO.
 */
public class TrainingExample {
  public String impressionId;
  public String userId;
  public String itemId;

  /** The codebook version the codes belong to; a model never mixes codes of two versions. */
  public long codebookVersion;

  /** One code per codebook, each in [0, K). */
  public int[] codes;

  public boolean clicked;

  /** The impression's event time, epoch milliseconds. */
  public long eventTime;

  /** When the item was first seen (its first codes' item event time), for the cold-start slice. */
  public long itemFirstSeen;

  /** The impression's Kafka record, for the dead letters should the trainer refuse the example. */
  public RawRecord source;

  public TrainingExample() {}

  /**
   * The same impression without codes, labelled with {@code codebookVersion}: what a model that
   * must not read codes is given.
   */
  public TrainingExample withoutCodes(long codebookVersion) {
    TrainingExample e = new TrainingExample();
    e.impressionId = impressionId;
    e.userId = userId;
    e.itemId = itemId;
    e.codebookVersion = codebookVersion;
    e.codes = null;
    e.clicked = clicked;
    e.eventTime = eventTime;
    e.itemFirstSeen = itemFirstSeen;
    e.source = source;
    return e;
  }
}
