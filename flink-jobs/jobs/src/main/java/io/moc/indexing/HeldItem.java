package io.moc.indexing;

/**
 * What the indexer keeps per item so it can (re-)code it under any codebook version. A Flink POJO.
 */
public class HeldItem {
  public float[] embedding;
  public long eventTime;

  public HeldItem() {}

  public HeldItem(float[] embedding, long eventTime) {
    this.embedding = embedding;
    this.eventTime = eventTime;
  }
}
