package io.moc.indexing;

import io.moc.avro.AvroBytes;
import io.moc.avro.ItemCodes;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Item codes keyed by item id; a deletion is a tombstone so compaction removes the item. */
public class ItemCodesSerializer implements KafkaRecordSerializationSchema<CodedItem> {

  private final String topic;

  public ItemCodesSerializer(String topic) {
    this.topic = topic;
  }

  @Override
  public ProducerRecord<byte[], byte[]> serialize(
      CodedItem c, KafkaSinkContext context, Long timestamp) {
    byte[] key = c.itemId.getBytes(StandardCharsets.UTF_8);
    if (c.deleted) {
      return new ProducerRecord<>(topic, key, null);
    }
    return new ProducerRecord<>(topic, key, AvroBytes.encode(toAvro(c)));
  }

  public static ItemCodes toAvro(CodedItem c) {
    List<Integer> codes = new ArrayList<>(c.codes.length);
    for (int code : c.codes) {
      codes.add(code);
    }
    return ItemCodes.newBuilder()
        .setItemId(c.itemId)
        .setCodebookVersion(c.codebookVersion)
        .setCodes(codes)
        .setQuantizationError(c.quantizationError)
        .setItemEventTime(Instant.ofEpochMilli(c.itemEventTime))
        .setCodedTime(Instant.ofEpochMilli(c.codedTime))
        .build();
  }
}
