package io.moc.common;

import io.moc.avro.AvroBytes;
import io.moc.avro.DeadLetter;
import io.moc.util.Sha256;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes dead letters with the original key, so a replay tool can re-publish them as they were.
 *
 * <p>A dead letter always fits: a record near the broker's size limit, wrapped with its reason,
 * would be over the producer's {@code max.request.size}, the sink would fail, and the job would
 * restart on the same record for ever. Past {@link #DEFAULT_MAX_PAYLOAD_BYTES} of key plus value it
 * keeps a prefix of each, with the original size and the SHA-256 of the original value.
 */
public class DeadLetterSerializer implements KafkaRecordSerializationSchema<DeadLetterRecord> {

  /** Key plus value kept in a dead letter: a quarter of Kafka's default 1 MiB request limit. */
  public static final int DEFAULT_MAX_PAYLOAD_BYTES = 256 * 1024;

  /** An exception message can be as large as what it is about. */
  static final int MAX_ERROR_CHARS = 4096;

  private final String topic;
  private final int maxPayloadBytes;

  public DeadLetterSerializer(String topic) {
    this(topic, DEFAULT_MAX_PAYLOAD_BYTES);
  }

  public DeadLetterSerializer(String topic, int maxPayloadBytes) {
    if (maxPayloadBytes < 1024) {
      throw new IllegalArgumentException("maxPayloadBytes must be >= 1024: " + maxPayloadBytes);
    }
    this.topic = topic;
    this.maxPayloadBytes = maxPayloadBytes;
  }

  @Override
  public ProducerRecord<byte[], byte[]> serialize(
      DeadLetterRecord d, KafkaSinkContext context, Long timestamp) {
    byte[] key = d.key;
    byte[] value = d.value;
    long originalSize = length(key) + length(value);
    boolean truncated = originalSize > maxPayloadBytes;
    String sha256 = null;
    if (truncated) {
      sha256 = Sha256.hex(value != null ? value : key);
      // Keys are short; a huge one keeps a quarter of the budget, the value the rest.
      key = prefix(key, maxPayloadBytes / 4);
      value = prefix(value, maxPayloadBytes - length(key));
    }
    String error = d.error;
    if (error != null && error.length() > MAX_ERROR_CHARS) {
      error = error.substring(0, MAX_ERROR_CHARS) + "... (" + error.length() + " chars)";
    }
    DeadLetter letter =
        DeadLetter.newBuilder()
            .setSourceTopic(d.sourceTopic)
            .setPartition(d.partition)
            .setOffset(d.offset)
            .setKey(key == null ? null : ByteBuffer.wrap(key))
            .setValue(value == null ? null : ByteBuffer.wrap(value))
            .setReason(d.reason)
            .setError(error)
            .setTime(Instant.ofEpochMilli(d.time))
            .setTruncated(truncated)
            .setOriginalSize(originalSize)
            .setSha256(sha256)
            .build();
    return new ProducerRecord<>(topic, null, key, AvroBytes.encode(letter));
  }

  private static int length(byte[] bytes) {
    return bytes == null ? 0 : bytes.length;
  }

  private static byte[] prefix(byte[] bytes, int max) {
    return bytes == null || bytes.length <= max ? bytes : Arrays.copyOf(bytes, max);
  }

  /** Decodes a dead letter as published on the topic (for tests and tools). */
  public static DeadLetter decode(byte[] value) {
    return AvroBytes.decode(DeadLetter.class, value);
  }
}
