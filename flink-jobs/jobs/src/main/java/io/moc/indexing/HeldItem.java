package io.moc.indexing;

import io.moc.common.FloatArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * What the indexer keeps per item so it can (re-)code it under any codebook version. A Flink POJO.
 */
public class HeldItem {
  @TypeInfo(FloatArrayTypeInfo.Factory.class)
  public float[] embedding;

  public long eventTime;

  public HeldItem() {}

  public HeldItem(float[] embedding, long eventTime) {
    this.embedding = embedding;
    this.eventTime = eventTime;
  }
}
