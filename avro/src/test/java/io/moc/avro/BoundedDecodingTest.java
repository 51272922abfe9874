package io.moc.avro;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.avro.Schema;
import org.apache.avro.message.BinaryMessageDecoder;
import org.junit.jupiter.api.Test;

class BoundedDecodingTest {

  private static byte[] bytes(ByteBuffer buffer) {
    byte[] b = new byte[buffer.remaining()];
    buffer.get(b);
    return b;
  }

  private static ItemEvent item() {
    return ItemEvent.newBuilder()
        .setItemId("B0001")
        .setTitle("Rose face serum")
        .setBrand("Acme")
        .setCategories(List.of("Beauty", "Skin Care"))
        .setPrice(12.5)
        .setEventTime(Instant.ofEpochMilli(1_700_000_000_000L))
        .setEmbedding(List.of(0.1f, 0.2f, 0.3f))
        .setEmbeddingModel("m")
        .build();
  }

  private static void check(Schema schema, byte[] message) throws IOException {
    BoundedDecoding.check(
        schema, message, SchemaHistory.HEADER_LENGTH, BoundedDecoding.DEFAULT_MAX_COLLECTION_ITEMS);
  }

  @Test
  void shouldPassEveryValidMessage() throws Exception {
    byte[] message = bytes(item().toByteBuffer());
    Schema writer = SchemaHistory.writerSchema(ItemEvent.class, message);
    assertNotNull(writer);
    assertDoesNotThrow(() -> check(writer, message));
  }

  @Test
  void shouldRejectAnArrayThatClaimsTwoBillionItemsInAFewBytes() throws Exception {
    // item_id, title, description and brand absent, then categories claiming 2e9 strings.
    byte[] bomb = HostileMessages.allocationBomb("x");
    assertTrue(bomb.length < 40, "a few bytes: " + bomb.length);
    Schema writer = SchemaHistory.writerSchema(ItemEvent.class, bomb);
    IOException e = assertThrows(IOException.class, () -> check(writer, bomb));
    assertTrue(e.getMessage().contains("limit"), e.getMessage());
  }

  @Test
  void shouldRejectAStringLongerThanTheMessage() throws Exception {
    byte[] bomb = HostileMessages.stringBomb(Integer.MAX_VALUE - 16L);
    Schema writer = SchemaHistory.writerSchema(ItemEvent.class, bomb);
    IOException e = assertThrows(IOException.class, () -> check(writer, bomb));
    assertTrue(e.getMessage().contains("length"), e.getMessage());
  }

  @Test
  void shouldRejectAnEmbeddingThatClaimsMoreFloatsThanTheMessageHolds() throws Exception {
    for (int claimed : new int[] {3, 4, 1_000_000}) {
      byte[] message =
          HostileMessages.itemMessage(
              e -> {
                HostileMessages.upToCategories(e, "x");
                e.writeArrayEnd();
                e.writeIndex(0);
                e.writeLong(1);
                e.writeIndex(1);
                e.writeArrayStart();
                e.setItemCount(claimed);
                // Three floats follow, whatever the count claims.
                for (int i = 0; i < 3; i++) {
                  e.startItem();
                  e.writeFloat(i);
                }
                e.writeArrayEnd();
                e.writeIndex(0);
              });
      Schema writer = SchemaHistory.writerSchema(ItemEvent.class, message);
      if (claimed == 3) {
        assertDoesNotThrow(() -> check(writer, message));
        assertEquals(
            List.of(0f, 1f, 2f), AvroBytes.decode(ItemEvent.class, message).getEmbedding());
      } else {
        assertThrows(IOException.class, () -> check(writer, message), "claims " + claimed);
      }
    }
  }

  @Test
  void shouldRejectCollectionsOverTheLimitAndBadUnionBranches() throws Exception {
    byte[] many =
        HostileMessages.itemMessage(
            e -> {
              HostileMessages.upToCategories(e, "x");
              e.setItemCount(5);
              for (int i = 0; i < 5; i++) {
                e.startItem();
                e.writeString("c");
              }
              e.writeArrayEnd();
              e.writeIndex(0);
              e.writeLong(1);
              e.writeIndex(0);
              e.writeIndex(0);
            });
    Schema writer = SchemaHistory.writerSchema(ItemEvent.class, many);
    assertDoesNotThrow(() -> check(writer, many));
    assertThrows(
        IOException.class,
        () -> BoundedDecoding.check(writer, many, SchemaHistory.HEADER_LENGTH, 4));
    byte[] badBranch =
        HostileMessages.itemMessage(
            e -> {
              e.writeString("x");
              e.writeIndex(7);
            });
    assertThrows(IOException.class, () -> check(writer, badBranch));
  }

  @Test
  void shouldNeverLetAMutatedMessageThroughToAnythingButAnIOException() throws Exception {
    // Property-style: random byte flips, truncations and insertions of valid messages. Whatever
    // the check accepts must decode; whatever it refuses is an IOException; nothing else escapes.
    BinaryMessageDecoder<ItemEvent> decoder = SchemaHistory.decoder(ItemEvent.class);
    byte[] valid = bytes(item().toByteBuffer());
    Schema writer = SchemaHistory.writerSchema(ItemEvent.class, valid);
    Random random = new Random(42);
    int accepted = 0;
    long deadline = System.nanoTime() + 5_000_000_000L;
    for (int n = 0; n < 20_000 && System.nanoTime() < deadline; n++) {
      byte[] m = mutate(valid, random);
      try {
        check(writer, m);
      } catch (IOException refused) {
        continue;
      }
      accepted++;
      byte[] message = m;
      assertDoesNotThrow(
          () -> decoder.decode(ByteBuffer.wrap(message)), () -> Arrays.toString(message));
    }
    assertTrue(accepted > 0, "no mutation was accepted: the check refuses everything");
  }

  private static byte[] mutate(byte[] valid, Random random) {
    byte[] m = valid.clone();
    switch (random.nextInt(3)) {
      case 0 -> {
        for (int i = 0, flips = 1 + random.nextInt(3); i < flips; i++) {
          int at =
              SchemaHistory.HEADER_LENGTH + random.nextInt(m.length - SchemaHistory.HEADER_LENGTH);
          m[at] = (byte) random.nextInt(256);
        }
      }
      case 1 ->
          m =
              Arrays.copyOf(
                  m,
                  SchemaHistory.HEADER_LENGTH
                      + random.nextInt(m.length - SchemaHistory.HEADER_LENGTH));
      default -> {
        int at =
            SchemaHistory.HEADER_LENGTH + random.nextInt(m.length - SchemaHistory.HEADER_LENGTH);
        byte[] longer = new byte[m.length + 1];
        System.arraycopy(m, 0, longer, 0, at);
        longer[at] = (byte) random.nextInt(256);
        System.arraycopy(m, at, longer, at + 1, m.length - at);
        m = longer;
      }
    }
    return m;
  }

  @Test
  void shouldFindTheWriterSchemaOnlyForAKnownHeader() {
    assertEquals(null, SchemaHistory.writerSchema(ItemEvent.class, new byte[] {1, 2, 3}));
    byte[] other = bytes(uncheckedBuffer(TestEvents.impression()));
    assertEquals(null, SchemaHistory.writerSchema(ItemEvent.class, other));
  }

  private static ByteBuffer uncheckedBuffer(ImpressionEvent e) {
    try {
      return e.toByteBuffer();
    } catch (IOException x) {
      throw new java.io.UncheckedIOException(x);
    }
  }
}
