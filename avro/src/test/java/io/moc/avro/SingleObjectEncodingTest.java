package io.moc.avro;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class SingleObjectEncodingTest {

  @Test
  void shouldRoundTripAnItemEventWithItsOptionalFields() throws Exception {
    ItemEvent event =
        ItemEvent.newBuilder()
            .setItemId("B0001")
            .setTitle("Rose face serum")
            .setCategories(List.of("Beauty", "Skin Care"))
            .setPrice(12.5)
            .setEventTime(Instant.ofEpochMilli(1_700_000_000_000L))
            .setEmbedding(List.of(0.1f, 0.2f))
            .setEmbeddingModel("m")
            .build();
    assertEquals(event, ItemEvent.fromByteBuffer(event.toByteBuffer()));
  }

  @Test
  void shouldRefuseAMessageOfAnotherSchema() throws Exception {
    ByteBuffer bytes = TestEvents.impression().toByteBuffer();
    // The schema fingerprint in the message tells the decoder it is not an ItemEvent.
    assertThrows(Exception.class, () -> ItemEvent.fromByteBuffer(bytes));
  }
}
