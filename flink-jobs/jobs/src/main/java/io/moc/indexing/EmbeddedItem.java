package io.moc.indexing;

import io.moc.common.FloatArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/** An item with its embedding, or a deletion. A Flink POJO. */
public class EmbeddedItem {
  public String itemId;
  public boolean deleted;

  /** Null when the text did not change: the embedding kept in keyed state is reused. */
  @TypeInfo(FloatArrayTypeInfo.Factory.class)
  public float[] embedding;

  /**
   * The item's text, sent on only when embeddings are dropped ({@code moc.codebook.hold-embeddings:
   * false}): what a new codebook version re-embeds.
   */
  public String text;

  public long eventTime;
  public long appendTime;

  /** When the embedding operator emitted it (wall clock), for the latency of the hop after it. */
  public long emittedTime;

  /** Set only for unchanged updates: the record to dead-letter if no embedding is held for them. */
  public io.moc.common.RawRecord source;

  public EmbeddedItem() {}

  public static EmbeddedItem of(ItemUpdate update, float[] embedding) {
    EmbeddedItem e = new EmbeddedItem();
    e.itemId = update.itemId;
    e.deleted = update.deleted;
    e.embedding = embedding;
    e.eventTime = update.eventTime;
    e.appendTime = update.appendTime;
    return e;
  }
}
