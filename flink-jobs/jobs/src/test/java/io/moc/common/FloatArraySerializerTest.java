package io.moc.common;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moc.indexing.EmbeddedItem;
import io.moc.indexing.HeldItem;
import io.moc.indexing.ItemUpdate;
import java.io.IOException;
import java.util.Map;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.array.FloatPrimitiveArraySerializer;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

class FloatArraySerializerTest {

  private static final float[] EMBEDDING = {0f, -1.5f, 3.25e-7f, Float.MAX_VALUE, -0f, 42f};

  private static <T> byte[] bytes(TypeSerializer<T> serializer, T value) throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(8);
    serializer.serialize(value, out);
    return out.getCopyOfBuffer();
  }

  private static <T> T read(TypeSerializer<T> serializer, byte[] bytes) throws IOException {
    return serializer.deserialize(new DataInputDeserializer(bytes));
  }

  @Test
  void shouldWriteTheBytesOfFlinksFloatArraySerializer() throws IOException {
    byte[] ours = bytes(new FloatArraySerializer(), EMBEDDING);

    assertArrayEquals(bytes(FloatPrimitiveArraySerializer.INSTANCE, EMBEDDING), ours);
    assertArrayEquals(EMBEDDING, read(FloatPrimitiveArraySerializer.INSTANCE, ours));
    assertArrayEquals(EMBEDDING, read(new FloatArraySerializer(), ours));
  }

  @Test
  void shouldReadBackArraysOfEverySizeWithOneSerializer() throws IOException {
    FloatArraySerializer serializer = new FloatArraySerializer();
    // Largest first, then smaller: the scratch buffer is reused and must not leak old floats.
    for (int length : new int[] {1000, 384, 7, 1, 0}) {
      float[] value = new float[length];
      for (int i = 0; i < length; i++) {
        value[i] = i * 0.5f - length;
      }
      assertArrayEquals(value, read(serializer, bytes(serializer, value)));
    }
  }

  @Test
  void shouldCopySerializedArraysBetweenViews() throws IOException {
    FloatArraySerializer serializer = new FloatArraySerializer();
    byte[] written = bytes(serializer, EMBEDDING);
    DataOutputSerializer copied = new DataOutputSerializer(8);

    serializer.copy(new DataInputDeserializer(written), copied);

    assertArrayEquals(written, copied.getCopyOfBuffer());
    assertArrayEquals(EMBEDDING, serializer.copy(EMBEDDING));
    assertNotSame(EMBEDDING, serializer.copy(EMBEDDING));
  }

  @Test
  void shouldRefuseANegativeLength() {
    byte[] corrupt = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xfe};

    IOException e =
        assertThrows(IOException.class, () -> read(new FloatArraySerializer(), corrupt));
    assertTrue(e.getMessage().contains("negative"), e.getMessage());
  }

  @Test
  void shouldGiveEachThreadItsOwnScratchBuffer() {
    FloatArraySerializer serializer = new FloatArraySerializer();

    assertNotSame(serializer, serializer.duplicate());
    assertEquals(serializer, serializer.duplicate());
  }

  @Test
  void shouldRestoreStateThatFlinksSerializerWrote() {
    TypeSerializerSnapshot<float[]> ours = new FloatArraySerializer().snapshotConfiguration();

    assertTrue(
        ours.resolveSchemaCompatibility(
                FloatPrimitiveArraySerializer.INSTANCE.snapshotConfiguration())
            .isCompatibleAsIs());
    assertTrue(
        ours.resolveSchemaCompatibility(new FloatArraySerializer().snapshotConfiguration())
            .isCompatibleAsIs());
    assertInstanceOf(FloatArraySerializer.class, ours.restoreSerializer());
  }

  @Test
  void shouldRestoreHeldItemsThatThePojoSerializerWroteWithFlinksFloatArrays() throws IOException {
    // The current fields, the embedding serialized by Flink's own float[] serializer.
    TypeSerializer<HeldItem> before =
        Types.POJO(
                HeldItem.class,
                Map.of(
                    "embedding", PrimitiveArrayTypeInfo.FLOAT_PRIMITIVE_ARRAY_TYPE_INFO,
                    "eventTime", Types.LONG,
                    "text", Types.STRING,
                    "codes", PrimitiveArrayTypeInfo.INT_PRIMITIVE_ARRAY_TYPE_INFO,
                    "codesVersion", Types.LONG,
                    "quantizationError", Types.FLOAT))
            .createSerializer(new SerializerConfigImpl());
    TypeSerializer<HeldItem> now =
        TypeInformation.of(HeldItem.class).createSerializer(new SerializerConfigImpl());

    assertTrue(
        now.snapshotConfiguration()
            .resolveSchemaCompatibility(before.snapshotConfiguration())
            .isCompatibleAsIs());
    HeldItem restored = read(now, bytes(before, new HeldItem(EMBEDDING, 17L)));
    assertArrayEquals(EMBEDDING, restored.embedding);
    assertEquals(17L, restored.eventTime);
  }

  @Test
  void shouldSendAndHoldEmbeddingsInBulk() {
    for (Class<?> type : new Class<?>[] {HeldItem.class, EmbeddedItem.class, ItemUpdate.class}) {
      PojoTypeInfo<?> pojo = (PojoTypeInfo<?>) TypeInformation.of(type);
      assertEquals(
          FloatArrayTypeInfo.INSTANCE,
          pojo.getTypeAt(pojo.getFieldIndex("embedding")),
          type.getSimpleName());
    }
  }
}
