package io.moc.common;

import io.moc.avro.DeadLetter;
import java.nio.ByteBuffer;
import java.time.Instant;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Writes dead letters with the original key, so a replay tool can re-publish them as they were. */
public class DeadLetterSerializer implements KafkaRecordSerializationSchema<DeadLetterRecord> {

  private final String topic;

  public DeadLetterSerializer(String topic) {
    this.topic = topic;
  }

  @Override
  public ProducerRecord<byte[], byte[]> serialize(
      DeadLetterRecord d, KafkaSinkContext context, Long timestamp) {
    DeadLetter letter =
        DeadLetter.newBuilder()
            .setSourceTopic(d.sourceTopic)
            .setPartition(d.partition)
            .setOffset(d.offset)
            .setKey(d.key == null ? null : ByteBuffer.wrap(d.key))
            .setValue(d.value == null ? null : ByteBuffer.wrap(d.value))
            .setReason(d.reason)
            .setError(d.error)
            .setTime(Instant.ofEpochMilli(d.time))
            .build();
    return new ProducerRecord<>(topic, null, d.key, AvroBytes.encode(letter));
  }

  /** Decodes a dead letter as published on the topic (for tests and tools). */
  public static DeadLetter decode(byte[] value) {
    return AvroBytes.decode(DeadLetter.class, value);
  }
}
