package io.moc.indexing;

import io.moc.avro.AvroBytes;
import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Codebook versions keyed by their version number, as a decimal string. */
public class CodebookVersionSerializer implements KafkaRecordSerializationSchema<CodebookEntry> {

  private final String topic;

  public CodebookVersionSerializer(String topic) {
    this.topic = topic;
  }

  @Override
  public ProducerRecord<byte[], byte[]> serialize(
      CodebookEntry entry, KafkaSinkContext context, Long timestamp) {
    return new ProducerRecord<>(
        topic,
        Long.toString(entry.version).getBytes(StandardCharsets.UTF_8),
        AvroBytes.encode(entry.toAvro()));
  }
}
