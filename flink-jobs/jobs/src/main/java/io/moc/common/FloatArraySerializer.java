package io.moc.common;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.array.FloatPrimitiveArraySerializer;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Embeddings in bulk: the bytes of {@link FloatPrimitiveArraySerializer} (a length, then big-endian
 * floats) written and read as one block. Flink's serializer makes a call per float, and a
 * checkpoint stream turns that into four calls per byte: the codebook trainer's sample of 10,000
 * embeddings took a quarter of a core to checkpoint. State written by either reads with the other.
 *
 * <p>Stateful (a scratch buffer), so {@link #duplicate()} gives each thread its own.
 */
public final class FloatArraySerializer extends TypeSerializer<float[]> {

  private static final long serialVersionUID = 1L;
  private static final float[] EMPTY = new float[0];

  private transient byte[] scratch;

  @Override
  public boolean isImmutableType() {
    return false;
  }

  @Override
  public TypeSerializer<float[]> duplicate() {
    return new FloatArraySerializer();
  }

  @Override
  public float[] createInstance() {
    return EMPTY;
  }

  @Override
  public float[] copy(float[] from) {
    return from.clone();
  }

  @Override
  public float[] copy(float[] from, float[] reuse) {
    return from.clone();
  }

  @Override
  public int getLength() {
    return -1;
  }

  @Override
  public void serialize(float[] record, DataOutputView target) throws IOException {
    if (record == null) {
      throw new IllegalArgumentException("a float array must not be null");
    }
    target.writeInt(record.length);
    byte[] bytes = scratch(record.length);
    ByteBuffer.wrap(bytes).order(ByteOrder.BIG_ENDIAN).asFloatBuffer().put(record);
    target.write(bytes, 0, record.length * Float.BYTES);
  }

  @Override
  public float[] deserialize(DataInputView source) throws IOException {
    int length = source.readInt();
    if (length < 0) {
      throw new IOException("negative float array length " + length);
    }
    byte[] bytes = scratch(length);
    source.readFully(bytes, 0, length * Float.BYTES);
    float[] result = new float[length];
    ByteBuffer.wrap(bytes, 0, length * Float.BYTES)
        .order(ByteOrder.BIG_ENDIAN)
        .asFloatBuffer()
        .get(result);
    return result;
  }

  @Override
  public float[] deserialize(float[] reuse, DataInputView source) throws IOException {
    return deserialize(source);
  }

  @Override
  public void copy(DataInputView source, DataOutputView target) throws IOException {
    int length = source.readInt();
    if (length < 0) {
      throw new IOException("negative float array length " + length);
    }
    // Through the scratch buffer: DataOutputSerializer.write(DataInputView, int) does not grow.
    byte[] bytes = scratch(length);
    source.readFully(bytes, 0, length * Float.BYTES);
    target.writeInt(length);
    target.write(bytes, 0, length * Float.BYTES);
  }

  private byte[] scratch(int floats) {
    int bytes = Math.multiplyExact(floats, Float.BYTES);
    if (scratch == null || scratch.length < bytes) {
      scratch = new byte[bytes];
    }
    return scratch;
  }

  @Override
  public boolean equals(Object obj) {
    return obj instanceof FloatArraySerializer;
  }

  @Override
  public int hashCode() {
    return FloatArraySerializer.class.hashCode();
  }

  @Override
  public TypeSerializerSnapshot<float[]> snapshotConfiguration() {
    return new Snapshot();
  }

  /** Reads state of this serializer and of Flink's, which wrote the same bytes. */
  public static final class Snapshot extends SimpleTypeSerializerSnapshot<float[]> {
    public Snapshot() {
      super(FloatArraySerializer::new);
    }

    @Override
    public TypeSerializerSchemaCompatibility<float[]> resolveSchemaCompatibility(
        TypeSerializerSnapshot<float[]> oldSerializerSnapshot) {
      if (oldSerializerSnapshot
          instanceof FloatPrimitiveArraySerializer.FloatPrimitiveArraySerializerSnapshot) {
        return TypeSerializerSchemaCompatibility.compatibleAsIs();
      }
      return super.resolveSchemaCompatibility(oldSerializerSnapshot);
    }
  }
}
