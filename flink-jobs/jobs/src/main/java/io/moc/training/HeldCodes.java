package io.moc.training;

/** What the join keeps per item: its current codes and when it was first seen. A Flink POJO. */
public class HeldCodes {
  public long codebookVersion;
  public int[] codes;

  /**
   * The earliest item event time of any codes seen for the item; re-coding and text changes keep
   * it, so "cold" means new to the catalog, not new to the codebook.
   */
  public long itemFirstSeen;

  public HeldCodes() {}

  /** The impression labelled with these codes. */
  public TrainingExample join(Impression impression) {
    TrainingExample e = new TrainingExample();
    e.impressionId = impression.impressionId;
    e.userId = impression.userId;
    e.itemId = impression.itemId;
    e.codebookVersion = codebookVersion;
    // A copy: the example leaves the operator while this array stays in (heap) state.
    e.codes = codes.clone();
    e.clicked = impression.clicked;
    e.eventTime = impression.eventTime;
    e.itemFirstSeen = itemFirstSeen;
    e.source = impression.source;
    return e;
  }
}
