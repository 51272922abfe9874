package io.moc.common;

import io.moc.avro.AvroBytes;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The one serializer of every topic the jobs write: an element becomes its Avro record in
 * single-object encoding ({@link AvroBytes}) under a key taken from the element and that record; no
 * record is a tombstone.
 *
 * @param <T> what the job emits
 * @param <R> the topic's Avro record
 */
public final class AvroRecordSerializer<T, R extends SpecificRecordBase>
    implements KafkaRecordSerializationSchema<T> {

  /** The topic's record for an element, or null for a tombstone. */
  @FunctionalInterface
  public interface ToAvro<T, R> extends Serializable {
    R of(T element);
  }

  /** The Kafka key of an element and its record (null when a tombstone). */
  @FunctionalInterface
  public interface Key<T, R> extends Serializable {
    byte[] of(T element, R record);
  }

  private final String topic;
  private final ToAvro<T, R> toAvro;
  private final Key<T, R> key;

  private AvroRecordSerializer(String topic, ToAvro<T, R> toAvro, Key<T, R> key) {
    this.topic = topic;
    this.toAvro = toAvro;
    this.key = key;
  }

  public static <T, R extends SpecificRecordBase> AvroRecordSerializer<T, R> of(
      String topic, ToAvro<T, R> toAvro, Key<T, R> key) {
    return new AvroRecordSerializer<>(topic, toAvro, key);
  }

  /** The key of the compacted topics keyed by a version number: the number in decimal. */
  public static byte[] versionKey(long version) {
    return Long.toString(version).getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public ProducerRecord<byte[], byte[]> serialize(T element, KafkaSinkContext context, Long ts) {
    R record = toAvro.of(element);
    return new ProducerRecord<>(
        topic, key.of(element, record), record == null ? null : AvroBytes.encode(record));
  }
}
