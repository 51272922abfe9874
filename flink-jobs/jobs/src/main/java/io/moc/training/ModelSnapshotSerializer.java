package io.moc.training;

import io.moc.avro.AvroBytes;
import io.moc.ctr.online.ModelSnapshotEntry;
import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Model snapshots keyed by their version number, as a decimal string. */
public class ModelSnapshotSerializer implements KafkaRecordSerializationSchema<ModelSnapshotEntry> {

  private final String topic;

  public ModelSnapshotSerializer(String topic) {
    this.topic = topic;
  }

  @Override
  public ProducerRecord<byte[], byte[]> serialize(
      ModelSnapshotEntry entry, KafkaSinkContext context, Long timestamp) {
    return new ProducerRecord<>(
        topic,
        Long.toString(entry.version).getBytes(StandardCharsets.UTF_8),
        AvroBytes.encode(entry.toAvro()));
  }
}
