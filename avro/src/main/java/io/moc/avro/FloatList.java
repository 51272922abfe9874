package io.moc.avro;

import java.util.AbstractList;
import java.util.RandomAccess;

/**
 * An Avro {@code array<float>} as decoded by this module's readers: the values in one {@code
 * float[]}, not one {@code Float} object each. An item's 384-d embedding is the bulk of its record,
 * and boxing it cost more than everything else the indexer does before assignment.
 */
public final class FloatList extends AbstractList<Float> implements RandomAccess {

  private final float[] values;
  private final int size;

  FloatList(float[] values, int size) {
    this.values = values;
    this.size = size;
  }

  /** The value at {@code i}, unboxed. */
  public float getFloat(int i) {
    if (i < 0 || i >= size) {
      throw new IndexOutOfBoundsException(i + " of " + size);
    }
    return values[i];
  }

  @Override
  public Float get(int i) {
    return getFloat(i);
  }

  @Override
  public int size() {
    return size;
  }
}
