package io.moc.ctr.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SlidingWindowMetricsTest {

  @Test
  void shouldEqualTheBatchMetricsOfTheLastCapacityPredictions() {
    Random random = new Random(3);
    int n = 5_000;
    int capacity = 317;
    double[] probabilities = new double[n];
    float[] labels = new float[n];
    SlidingWindowMetrics window = new SlidingWindowMetrics(capacity);
    for (int i = 0; i < n; i++) {
      labels[i] = random.nextBoolean() ? 1f : 0f;
      // Rounded to a few levels for ties; some exactly 0 or 1 to exercise the clipping.
      probabilities[i] = Math.round(random.nextDouble() * 10) / 10.0;
      window.add(probabilities[i], labels[i]);
      if (i % 997 == 0 || i == n - 1) {
        int from = Math.max(0, i + 1 - capacity);
        double[] p = Arrays.copyOfRange(probabilities, from, i + 1);
        float[] y = Arrays.copyOfRange(labels, from, i + 1);
        assertEquals(p.length, window.size());
        assertEquals(Auc.of(p, y), window.auc(), 1e-12, "AUC after " + (i + 1));
        assertEquals(LogLoss.of(p, y), window.logLoss(), 1e-9, "logloss after " + (i + 1));
      }
    }
  }

  @Test
  void shouldContinueBitIdenticallyAfterWritingAndReadingItsState() throws Exception {
    Random random = new Random(4);
    SlidingWindowMetrics window = new SlidingWindowMetrics(50);
    for (int i = 0; i < 130; i++) {
      window.add(random.nextDouble(), random.nextBoolean() ? 1f : 0f);
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    window.writeTo(new DataOutputStream(bytes));
    SlidingWindowMetrics read =
        SlidingWindowMetrics.readFrom(
            new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
    // The running logloss sum is carried as it is, so that it drifts exactly as the original's.
    for (int i = 0; i < 77; i++) {
      double p = random.nextDouble();
      float y = random.nextBoolean() ? 1f : 0f;
      window.add(p, y);
      read.add(p, y);
      assertEquals(window.logLoss(), read.logLoss());
    }
    assertEquals(window.auc(), read.auc());
    assertEquals(window.positives(), read.positives());
  }

  @Test
  void shouldEvictTheOldestPredictionOnRequest() {
    SlidingWindowMetrics window = new SlidingWindowMetrics(10);
    window.add(0.9, 0); // a bad prediction, evicted below
    window.add(0.8, 1);
    window.add(0.2, 0);
    assertEquals(0.5, window.auc());
    window.evictOldest();
    assertEquals(2, window.size());
    assertEquals(1, window.positives());
    assertEquals(1.0, window.auc());
    assertEquals(LogLoss.of(new double[] {0.8, 0.2}, new float[] {1, 0}), window.logLoss(), 1e-12);
  }

  @Test
  void shouldBeUndefinedWhenEmptyAndRefuseToEvictFromAnEmptyWindow() {
    SlidingWindowMetrics window = new SlidingWindowMetrics(4);
    assertTrue(Double.isNaN(window.auc()));
    assertTrue(Double.isNaN(window.logLoss()));
    assertThrows(IllegalStateException.class, window::evictOldest);
    window.add(0.3, 1);
    window.clear();
    assertEquals(0, window.size());
    assertThrows(IllegalArgumentException.class, () -> window.add(0.3, 0.5f));
    assertThrows(IllegalArgumentException.class, () -> new SlidingWindowMetrics(0));
  }
}
