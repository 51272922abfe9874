package io.moc.training;

/** An impression waiting in the join for its item's codes. A Flink POJO. */
public class PendingImpression {
  public Impression impression;

  /** Processing time at which it gives up waiting and is dead-lettered. */
  public long expiresAt;

  public PendingImpression() {}

  public PendingImpression(Impression impression, long expiresAt) {
    this.impression = impression;
    this.expiresAt = expiresAt;
  }
}
