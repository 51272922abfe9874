package io.moc.indexing;

import io.moc.avro.AvroBytes;
import io.moc.avro.ItemCodes;
import io.moc.common.AvroRecordSerializer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * An item's codes under one codebook version, or its deletion. A Flink POJO; ItemCodes on Kafka.
 */
public class CodedItem {
  public String itemId;
  public boolean deleted;
  public long codebookVersion;
  public int[] codes;
  public float quantizationError;
  public long itemEventTime;
  public long codedTime;

  public CodedItem() {}

  /** Codes of {@code itemId} under {@code codebookVersion}, as the indexing job emits them. */
  public static CodedItem of(
      String itemId,
      long codebookVersion,
      int[] codes,
      float quantizationError,
      long itemEventTime,
      long codedTime) {
    CodedItem c = new CodedItem();
    c.itemId = itemId;
    c.codebookVersion = codebookVersion;
    c.codes = codes;
    c.quantizationError = quantizationError;
    c.itemEventTime = itemEventTime;
    c.codedTime = codedTime;
    return c;
  }

  public static CodedItem deletion(String itemId) {
    CodedItem c = new CodedItem();
    c.itemId = itemId;
    c.deleted = true;
    c.codedTime = System.currentTimeMillis();
    return c;
  }

  /** Item codes keyed by item id; a deletion is a tombstone so compaction removes the item. */
  public static AvroRecordSerializer<CodedItem, ItemCodes> serializer(String topic) {
    return AvroRecordSerializer.of(
        topic, CodedItem::toAvro, (c, codes) -> c.itemId.getBytes(StandardCharsets.UTF_8));
  }

  /** The record the indexing job would publish on {@code topic}: keyed by item id. */
  public ProducerRecord<byte[], byte[]> toRecord(String topic) {
    ItemCodes codes = toAvro();
    return new ProducerRecord<>(
        topic,
        itemId.getBytes(StandardCharsets.UTF_8),
        codes == null ? null : AvroBytes.encode(codes));
  }

  /** The codes as published, or null for a deletion (its tombstone). */
  public ItemCodes toAvro() {
    if (deleted) {
      return null;
    }
    List<Integer> list = new ArrayList<>(codes.length);
    for (int code : codes) {
      list.add(code);
    }
    return ItemCodes.newBuilder()
        .setItemId(itemId)
        .setCodebookVersion(codebookVersion)
        .setCodes(list)
        .setQuantizationError(quantizationError)
        .setItemEventTime(Instant.ofEpochMilli(itemEventTime))
        .setCodedTime(Instant.ofEpochMilli(codedTime))
        .build();
  }
}
