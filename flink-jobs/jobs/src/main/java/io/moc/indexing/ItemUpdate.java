package io.moc.indexing;

import io.moc.common.FloatArrayTypeInfo;
import io.moc.common.RawRecord;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/** A validated item change (or deletion) on its way to embedding. A Flink POJO. */
public class ItemUpdate {
  public String itemId;
  public boolean deleted;

  /** The text to embed; null when a precomputed embedding is used. */
  public String text;

  /** Fingerprint of the text to embed (model and truncation included); null with an embedding. */
  public String fingerprint;

  /** A precomputed embedding of the configured model, used as is. */
  @TypeInfo(FloatArrayTypeInfo.Factory.class)
  public float[] embedding;

  /** True when an earlier update of this item had the same fingerprint: its embedding is reused. */
  public boolean unchanged;

  public long eventTime;

  /** The broker's append time of the item record, for latency measurements. */
  public long appendTime;

  /** When the embedding operator received it; local to that operator, never serialized. */
  public transient long receivedTime;

  /**
   * The record it came from, for a dead letter if embedding fails; null with a precomputed
   * embedding, which nothing downstream can fail on.
   */
  public RawRecord source;

  public ItemUpdate() {}

  public static ItemUpdate deletion(String itemId, RawRecord source) {
    ItemUpdate u = new ItemUpdate();
    u.itemId = itemId;
    u.deleted = true;
    u.appendTime = source.timestamp;
    u.source = source;
    return u;
  }

  /** True when this update needs the text embedding model. */
  public boolean needsEmbedding() {
    return !deleted && !unchanged && embedding == null;
  }
}
