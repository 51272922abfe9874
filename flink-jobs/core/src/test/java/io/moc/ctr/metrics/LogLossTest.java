package io.moc.ctr.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LogLossTest {

  @Test
  void shouldEqualTheHandComputedMeanCrossEntropy() {
    // -(ln 0.8 + ln(1 - 0.3) + ln 0.5 + ln(1 - 0.9)) / 4
    double expected = -(Math.log(0.8) + Math.log(0.7) + Math.log(0.5) + Math.log(0.1)) / 4;
    assertEquals(
        expected, LogLoss.of(new double[] {0.8, 0.3, 0.5, 0.9}, new float[] {1, 0, 1, 0}), 1e-12);
    assertEquals(0.6931471805599453, LogLoss.of(new float[] {0.5f}, new float[] {0}), 1e-12);
  }

  @Test
  void shouldClipCertainMistakesToAFiniteLoss() {
    double worst = -Math.log(LogLoss.EPSILON);
    assertEquals(worst, LogLoss.of(new double[] {0.0}, new float[] {1}), 1e-9);
    assertEquals(worst, LogLoss.of(new double[] {1.0}, new float[] {0}), 1e-9);
    assertEquals(-Math.log1p(-LogLoss.EPSILON), LogLoss.term(1.0, 1f), 1e-15);
  }

  @Test
  void shouldBeUndefinedForNoPredictionsAndRejectBadInput() {
    assertTrue(Double.isNaN(LogLoss.of(new double[0], new float[0])));
    assertThrows(
        IllegalArgumentException.class, () -> LogLoss.of(new double[] {0.5}, new float[0]));
    assertThrows(IllegalArgumentException.class, () -> LogLoss.term(Double.NaN, 1f));
    assertThrows(IllegalArgumentException.class, () -> LogLoss.term(0.5, 2f));
  }
}
