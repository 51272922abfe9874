package io.moc.common;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moc.avro.AvroBytes;
import io.moc.avro.DeadLetter;
import io.moc.util.Sha256;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

class DeadLetterRecordTest {

  private static DeadLetterRecord record(byte[] key, byte[] value, String error) {
    RawRecord raw = new RawRecord();
    raw.topic = "impressions";
    raw.partition = 2;
    raw.offset = 41;
    raw.key = key;
    raw.value = value;
    return DeadLetterRecord.of(raw, DeadLetterReason.UNDECODABLE, error);
  }

  private static byte[] bytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  @Test
  void shouldKeepASmallRecordWhole() {
    byte[] key = "u1".getBytes(StandardCharsets.UTF_8);
    byte[] value = bytes(100, 1);
    ProducerRecord<byte[], byte[]> out =
        DeadLetterRecord.serializer("dead-letters")
            .serialize(record(key, value, "bad"), null, null);
    DeadLetter letter = AvroBytes.decode(DeadLetter.class, out.value());
    assertFalse(letter.getTruncated());
    assertEquals(102, letter.getOriginalSize());
    assertNull(letter.getSha256());
    assertArrayEquals(value, letter.getValue().array());
    assertArrayEquals(key, out.key());
  }

  @Test
  void shouldFitARecordAtTheBrokersSizeLimitWithItsSizeAndChecksum() {
    // The value that made the dead-letter producer fail with RecordTooLargeException.
    byte[] value = bytes(1_048_450, 2);
    byte[] key = "u1".getBytes(StandardCharsets.UTF_8);
    String hugeError = "x".repeat(100_000);
    ProducerRecord<byte[], byte[]> out =
        DeadLetterRecord.serializer("dead-letters")
            .serialize(record(key, value, hugeError), null, null);
    assertTrue(
        out.value().length + out.key().length < DeadLetterRecord.DEFAULT_MAX_PAYLOAD_BYTES + 8192,
        "dead letter of " + out.value().length + " bytes");
    DeadLetter letter = AvroBytes.decode(DeadLetter.class, out.value());
    assertTrue(letter.getTruncated());
    assertEquals(1_048_452, letter.getOriginalSize());
    assertEquals(Sha256.hex(value), letter.getSha256());
    byte[] kept = letter.getValue().array();
    assertArrayEquals(Arrays.copyOf(value, kept.length), kept, "a prefix of the original");
    assertArrayEquals(key, out.key(), "a short key is kept whole");
    assertTrue(letter.getError().length() < 5000);
    assertEquals(41, letter.getOffset());
  }

  @Test
  void shouldBoundAHugeKeyToo() {
    byte[] key = bytes(2_000_000, 3);
    ProducerRecord<byte[], byte[]> out =
        DeadLetterRecord.serializer("dead-letters", 4096)
            .serialize(record(key, null, null), null, null);
    DeadLetter letter = AvroBytes.decode(DeadLetter.class, out.value());
    assertTrue(letter.getTruncated());
    assertEquals(1024, out.key().length);
    assertEquals(Sha256.hex(key), letter.getSha256());
    assertTrue(out.value().length < 4096 + 256);
  }
}
