package io.moc.indexing;

import io.moc.common.FloatArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * What the indexer keeps per item so it can (re-)code it under any codebook version. A Flink POJO.
 *
 * <p>By default the embedding (4·D bytes). With {@code moc.codebook.hold-embeddings: false}, an
 * item that has a text keeps the text and its last codes instead, and a new version re-embeds the
 * text; an item without one keeps its embedding, which nothing could recompute.
 */
public class HeldItem {
  /** Null once dropped for the text. */
  @TypeInfo(FloatArrayTypeInfo.Factory.class)
  public float[] embedding;

  public long eventTime;

  /** The text to re-embed; null while the embedding is held. */
  public String text;

  /** The last codes, of {@link #codesVersion}; kept with the text, to re-send an unchanged item. */
  public int[] codes;

  public long codesVersion;
  public float quantizationError;

  public HeldItem() {}

  public HeldItem(float[] embedding, long eventTime) {
    this.embedding = embedding;
    this.eventTime = eventTime;
  }
}
