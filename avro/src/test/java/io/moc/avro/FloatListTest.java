package io.moc.avro;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FloatListTest {

  private static ItemEvent withEmbedding(int n) {
    List<Float> values = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      values.add(i % 3 == 0 ? -i / 7f : i / 3f);
    }
    return ItemEvent.newBuilder()
        .setItemId("p1")
        .setEventTime(Instant.ofEpochMilli(1_700_000_000_123L))
        .setEmbedding(values)
        .setEmbeddingModel("m")
        .setCategories(List.of("Beauty"))
        .build();
  }

  @Test
  void shouldDecodeAnEmbeddingIntoFloatsNotBoxes() {
    ItemEvent sent = withEmbedding(384);
    ItemEvent got = AvroBytes.decode(ItemEvent.class, AvroBytes.encode(sent));

    FloatList embedding = assertInstanceOf(FloatList.class, got.getEmbedding());
    assertEquals(384, embedding.size());
    for (int i = 0; i < 384; i++) {
      assertEquals(sent.getEmbedding().get(i), embedding.getFloat(i));
    }
    assertEquals(sent, got, "the same record, logical types (event time) included");
    assertEquals(List.of("Beauty"), got.getCategories(), "other arrays as Avro decodes them");
  }

  @Test
  void shouldEncodeADecodedEventToTheSameBytes() {
    byte[] bytes = AvroBytes.encode(withEmbedding(16));
    assertArrayEquals(bytes, AvroBytes.encode(AvroBytes.decode(ItemEvent.class, bytes)));
  }

  @Test
  void shouldHandOverTheDecodedArrayOnlyWhenItIsExactlySized() {
    float[] exact = {1, 2, 3};
    assertSame(exact, new FloatList(exact, 3).toFloatArray());
    assertArrayEquals(new float[] {1, 2}, new FloatList(exact, 2).toFloatArray());
  }

  @Test
  void shouldRefuseAnIndexOutsideItsValues() {
    FloatList list = new FloatList(new float[] {1, 2, 3}, 2);
    assertEquals(2f, list.getFloat(1));
    assertThrows(IndexOutOfBoundsException.class, () -> list.getFloat(2));
  }
}
