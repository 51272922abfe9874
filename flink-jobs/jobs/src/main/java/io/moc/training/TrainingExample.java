package io.moc.training;

import io.moc.common.RawRecord;
import io.moc.ctr.online.CtrExample;

/**
 * A {@link CtrExample} as the training job carries it: with the Kafka record it came from, so that
 * an example the trainer refuses becomes a dead letter. A Flink POJO.
 */
public class TrainingExample extends CtrExample {
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
