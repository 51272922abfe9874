package io.moc.avro;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.avro.specific.SpecificRecordBase;
import org.junit.jupiter.api.Test;

/**
 * Property-style fuzzing of the decoder every job reads Kafka with, for every record type on the
 * topics: random bytes, random bodies behind a valid header, and mutated valid records. Whatever
 * comes in, {@link AvroBytes#decode} returns a record or throws {@link UncheckedIOException}: never
 * an {@link Error}, never another exception, never an allocation of what the bytes claim. Bounded
 * in count and in time per type, with fixed seeds so a failure reproduces.
 */
class AvroBytesFuzzTest {

  private static final int CASES_PER_TYPE = 6_000;
  private static final long NANOS_PER_TYPE = 4_000_000_000L;

  private static final Instant T = Instant.ofEpochMilli(1_700_000_000_000L);

  private static final List<SpecificRecordBase> VALID =
      List.of(
          ItemEvent.newBuilder()
              .setItemId("B0001")
              .setTitle("Rose face serum")
              .setDescription("For dry skin")
              .setBrand("Acme")
              .setCategories(List.of("Beauty", "Skin Care", "Face"))
              .setPrice(12.5)
              .setEventTime(T)
              .setEmbedding(List.of(0.1f, 0.2f, 0.3f, 0.4f))
              .setEmbeddingModel("all-minilm-l6-v2-q")
              .build(),
          ImpressionEvent.newBuilder()
              .setImpressionId("imp-1")
              .setUserId("u-1")
              .setItemId("B0001")
              .setEventTime(T)
              .setClicked(true)
              .build(),
          ItemCodes.newBuilder()
              .setItemId("B0001")
              .setCodebookVersion(3)
              .setCodes(List.of(1, 200, 37, 4))
              .setQuantizationError(0.25f)
              .setItemEventTime(T)
              .setCodedTime(T)
              .build(),
          CodebookVersion.newBuilder()
              .setVersion(3)
              .setMethod("moc")
              .setEmbeddingModel("all-minilm-l6-v2-q")
              .setDimension(384)
              .setNumCodebooks(4)
              .setCodebookSize(256)
              .setCreatedTime(T)
              .setTrainedOn(1000)
              .setArtifact(ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}))
              .setSha256("ab".repeat(32))
              .setMetrics(Map.of("usage", 0.9, "error", 0.1))
              .build(),
          ModelSnapshot.newBuilder()
              .setVersion(7)
              .setCodebookVersion(3)
              .setCreatedTime(T)
              .setExamplesSeen(5000)
              .setMetrics(Map.of("prequential_auc", 0.71))
              .setArtifactUri("file:///tmp/model-v000007.bin")
              .setSha256("cd".repeat(32))
              .build(),
          DeadLetter.newBuilder()
              .setSourceTopic("items")
              .setPartition(2)
              .setOffset(99)
              .setKey(ByteBuffer.wrap(new byte[] {65}))
              .setValue(ByteBuffer.wrap(new byte[] {0, 1, 2}))
              .setReason("UNDECODABLE")
              .setError("bad")
              .setTime(T)
              .build());

  @Test
  void shouldOnlyEverDecodeOrRefuseRandomAndMutatedRecordsOfEveryType() {
    for (SpecificRecordBase valid : VALID) {
      fuzz(valid);
    }
  }

  private static void fuzz(SpecificRecordBase valid) {
    Class<? extends SpecificRecordBase> type = valid.getClass();
    byte[] message = AvroBytes.encode(valid);
    Random random = new Random(type.getName().hashCode());
    long deadline = System.nanoTime() + NANOS_PER_TYPE;
    int decoded = 0;
    int refused = 0;
    for (int n = 0; n < CASES_PER_TYPE && System.nanoTime() < deadline; n++) {
      byte[] input = input(message, random);
      try {
        AvroBytes.decode(type, input);
        decoded++;
      } catch (UncheckedIOException expected) {
        refused++;
      } catch (Throwable t) {
        fail(type.getSimpleName() + ": " + t + " on " + Arrays.toString(input), t);
      }
    }
    assertTrue(decoded > 0, type.getSimpleName() + ": no input decoded, not even a valid one");
    assertTrue(refused > 0, type.getSimpleName() + ": no input refused");
  }

  private static byte[] input(byte[] valid, Random random) {
    int header = io.moc.avro.SchemaHistory.HEADER_LENGTH;
    switch (random.nextInt(6)) {
      case 0 -> {
        byte[] noise = new byte[random.nextInt(64)];
        random.nextBytes(noise);
        return noise;
      }
      case 1 -> {
        byte[] m = Arrays.copyOf(valid, header + random.nextInt(64));
        for (int i = header; i < m.length; i++) {
          m[i] = (byte) random.nextInt(256);
        }
        return m;
      }
      case 2 -> {
        byte[] m = valid.clone();
        for (int i = 0, flips = 1 + random.nextInt(4); i < flips; i++) {
          m[header + random.nextInt(m.length - header)] = (byte) random.nextInt(256);
        }
        return m;
      }
      case 3 -> {
        return Arrays.copyOf(valid, random.nextInt(valid.length + 1));
      }
      case 4 -> {
        // A varint that claims a huge length or count where a field starts.
        byte[] m = valid.clone();
        int at = header + random.nextInt(m.length - header);
        byte[] bomb = {(byte) 0xfe, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f};
        System.arraycopy(bomb, 0, m, at, Math.min(bomb.length, m.length - at));
        return m;
      }
      default -> {
        return valid;
      }
    }
  }
}
