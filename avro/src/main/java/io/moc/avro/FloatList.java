package io.moc.avro;

import java.util.AbstractList;
import java.util.Arrays;
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

  /**
   * The values as one array, without a copy when the decoder sized it exactly (a single-block
   * array, as every encoder here writes): the list must not be used to read after the array is
   * changed.
   */
  public float[] toFloatArray() {
    return values.length == size ? values : Arrays.copyOf(values, size);
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
