package io.moc.ctr.data;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The distinct values of one categorical field, numbered from 1; index 0 stands for an unknown
 * value (null, or never seen).
 *
 * <p>{@link CtrDataset} numbers values in order of their first appearance in time, so that the
 * values of an earlier period have the smaller indices.
 */
public final class Vocabulary {

  /** The index of an unknown or missing value. */
  public static final int UNKNOWN = 0;

  private final Map<String, Integer> indices = new HashMap<>();
  private final List<String> values = new ArrayList<>();

  public Vocabulary() {
    values.add(null);
  }

  /** The index of {@code value}, adding it if new; null maps to {@link #UNKNOWN}. */
  public int add(String value) {
    if (value == null) {
      return UNKNOWN;
    }
    Integer index = indices.get(value);
    if (index == null) {
      index = values.size();
      indices.put(value, index);
      values.add(value);
    }
    return index;
  }

  /** The index of {@code value}, or {@link #UNKNOWN} when it is null or not in the vocabulary. */
  public int index(String value) {
    return value == null ? UNKNOWN : indices.getOrDefault(value, UNKNOWN);
  }

  /** The value at {@code index}; null for {@link #UNKNOWN}. */
  public String value(int index) {
    return values.get(index);
  }

  /** The number of indices, {@link #UNKNOWN} included: an embedding table needs this many rows. */
  public int size() {
    return values.size();
  }
}
