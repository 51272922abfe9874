package io.moc.util;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NamedValuesTest {

  @Test
  void shouldRoundTripAMapThroughParallelArraysInItsOrder() {
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("usage", 0.9);
    metrics.put("auc", 0.7);
    metrics.put("nan", Double.NaN);
    String[] names = NamedValues.names(metrics);
    double[] values = NamedValues.values(metrics);
    assertArrayEquals(new String[] {"usage", "auc", "nan"}, names);
    Map<String, Double> back = NamedValues.toMap(names, values);
    assertEquals(List.copyOf(metrics.keySet()), List.copyOf(back.keySet()));
    assertEquals(metrics, back);
  }

  @Test
  void shouldRefuseArraysOfDifferentLengths() {
    assertThrows(
        IllegalArgumentException.class,
        () -> NamedValues.toMap(new String[] {"a", "b"}, new double[] {1}));
  }
}
