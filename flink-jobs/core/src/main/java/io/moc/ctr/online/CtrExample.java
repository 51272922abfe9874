package io.moc.ctr.online;

/**
 * One impression with the codes its item had when it was shown: what {@link OnlineCtrTrainer}
 * learns from. Public fields and a no-argument constructor, so that a stream processor can carry it
 * (or a subclass) as a POJO without this package knowing which one.
 */
public class CtrExample {
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

  public CtrExample() {}
}
