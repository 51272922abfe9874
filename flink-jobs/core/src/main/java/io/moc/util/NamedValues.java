package io.moc.util;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Named numbers kept as two parallel arrays, the form Flink POJOs in state and on the wire hold a
 * map in (metrics of codebook versions and model snapshots), and back.
 */
public final class NamedValues {

  private NamedValues() {}

  /** The map of {@code names[i]} to {@code values[i]}, in array order. */
  public static Map<String, Double> toMap(String[] names, double[] values) {
    if (names.length != values.length) {
      throw new IllegalArgumentException(names.length + " names for " + values.length + " values");
    }
    Map<String, Double> m = new LinkedHashMap<>();
    for (int i = 0; i < names.length; i++) {
      m.put(names[i], values[i]);
    }
    return m;
  }

  /** The names of {@code map}, in its order. */
  public static String[] names(Map<String, Double> map) {
    return map.keySet().toArray(new String[0]);
  }

  /** The values of {@code map}, in its order. */
  public static double[] values(Map<String, Double> map) {
    return map.values().stream().mapToDouble(Double::doubleValue).toArray();
  }
}
