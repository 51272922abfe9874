package io.moc.common;

import io.moc.avro.DeadLetter;
import io.moc.util.Sha256;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;

/**
 * A record on its way to the dead-letter topic; a Flink POJO that the sink turns into a DeadLetter.
 *
 * <p>A dead letter always fits: a record near the broker's size limit, wrapped with its reason,
 * would be over the producer's {@code max.request.size}, the sink would fail, and the job would
 * restart on the same record for ever. Past {@link #DEFAULT_MAX_PAYLOAD_BYTES} of key plus value
 * the letter keeps a prefix of each, with the original size and the SHA-256 of the original value.
 */
public class DeadLetterRecord {

  /** Key plus value kept in a dead letter: a quarter of Kafka's default 1 MiB request limit. */
  public static final int DEFAULT_MAX_PAYLOAD_BYTES = 256 * 1024;

  /** An exception message can be as large as what it is about. */
  static final int MAX_ERROR_CHARS = 4096;

  public String sourceTopic;
  public int partition;
  public long offset;
  public byte[] key;
  public byte[] value;
  public String reason;
  public String error;
  public long time;

  public DeadLetterRecord() {}

  public static DeadLetterRecord of(RawRecord raw, DeadLetterReason reason, String error) {
    DeadLetterRecord d = new DeadLetterRecord();
    d.sourceTopic = raw.topic;
    d.partition = raw.partition;
    d.offset = raw.offset;
    d.key = raw.key;
    d.value = raw.value;
    d.reason = reason.name();
    d.error = error;
    d.time = System.currentTimeMillis();
    return d;
  }

  /**
   * Dead letters on {@code topic}, under the original key (or its prefix), so a replay can
   * re-publish them.
   */
  public static AvroRecordSerializer<DeadLetterRecord, DeadLetter> serializer(String topic) {
    return serializer(topic, DEFAULT_MAX_PAYLOAD_BYTES);
  }

  /** As {@link #serializer(String)}, keeping at most {@code maxPayloadBytes} of key plus value. */
  public static AvroRecordSerializer<DeadLetterRecord, DeadLetter> serializer(
      String topic, int maxPayloadBytes) {
    if (maxPayloadBytes < 1024) {
      throw new IllegalArgumentException("maxPayloadBytes must be >= 1024: " + maxPayloadBytes);
    }
    return AvroRecordSerializer.of(
        topic,
        d -> d.toAvro(maxPayloadBytes),
        (d, letter) -> letter.getKey() == null ? null : letter.getKey().array());
  }

  /** The letter, bounded to {@code maxPayloadBytes} of key plus value and a short error. */
  DeadLetter toAvro(int maxPayloadBytes) {
    byte[] k = key;
    byte[] v = value;
    long originalSize = length(k) + length(v);
    boolean truncated = originalSize > maxPayloadBytes;
    String sha256 = null;
    if (truncated) {
      sha256 = Sha256.hex(v != null ? v : k);
      // Keys are short; a huge one keeps a quarter of the budget, the value the rest.
      k = prefix(k, maxPayloadBytes / 4);
      v = prefix(v, maxPayloadBytes - length(k));
    }
    String e = error;
    if (e != null && e.length() > MAX_ERROR_CHARS) {
      e = e.substring(0, MAX_ERROR_CHARS) + "... (" + e.length() + " chars)";
    }
    return DeadLetter.newBuilder()
        .setSourceTopic(sourceTopic)
        .setPartition(partition)
        .setOffset(offset)
        .setKey(k == null ? null : ByteBuffer.wrap(k))
        .setValue(v == null ? null : ByteBuffer.wrap(v))
        .setReason(reason)
        .setError(e)
        .setTime(Instant.ofEpochMilli(time))
        .setTruncated(truncated)
        .setOriginalSize(originalSize)
        .setSha256(sha256)
        .build();
  }

  private static int length(byte[] bytes) {
    return bytes == null ? 0 : bytes.length;
  }

  private static byte[] prefix(byte[] bytes, int max) {
    return bytes == null || bytes.length <= max ? bytes : Arrays.copyOf(bytes, max);
  }
}
