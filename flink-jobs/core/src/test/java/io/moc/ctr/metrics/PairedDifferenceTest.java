package io.moc.ctr.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PairedDifferenceTest {

  @Test
  void shouldMeasureTheMeanAndSampleStdOfTheDifferences() {
    PairedDifference d =
        PairedDifference.of(new double[] {0.70, 0.72, 0.74}, new double[] {0.69, 0.70, 0.71});
    assertEquals(3, d.pairs());
    assertEquals(0.02, d.mean(), 1e-12);
    assertEquals(0.01, d.std(), 1e-12);
    assertEquals(0.01 / Math.sqrt(3), d.standardError(), 1e-12);
  }

  @Test
  void shouldSeeAConsistentSmallGainThatUnpairedNoiseWouldHide() {
    // Seeds vary a lot (0.60 to 0.80), but a beats b by 0.01 in every one of them.
    double[] b = {0.60, 0.70, 0.80, 0.65, 0.75};
    double[] a = {0.61, 0.71, 0.81, 0.66, 0.76};
    PairedDifference d = PairedDifference.of(a, b);
    assertEquals(0.01, d.mean(), 1e-12);
    assertEquals(0, d.std(), 1e-12);
    assertFalse(d.withinNoise());
  }

  @Test
  void shouldCallADifferenceThatChangesSignWithinNoise() {
    PairedDifference d =
        PairedDifference.of(new double[] {0.71, 0.69, 0.70}, new double[] {0.70, 0.70, 0.70});
    assertEquals(0, d.mean(), 1e-12);
    assertTrue(d.withinNoise());
    assertTrue(
        PairedDifference.of(new double[] {0.9}, new double[] {0.1}).withinNoise(), "one pair");
  }

  @Test
  void shouldAskForMoreThanTwoStandardErrorsFromThreeSeeds() {
    // Mean 0.02, std 0.01, 3 pairs: 3.5 standard errors, past 2 but inside Student's 4.30.
    PairedDifference d =
        PairedDifference.of(new double[] {0.71, 0.72, 0.73}, new double[] {0.70, 0.70, 0.70});
    assertEquals(3.46, d.mean() / d.standardError(), 0.01);
    assertTrue(d.withinNoise());
    // The same mean and spread over 10 pairs is well outside.
    double[] a = new double[10];
    double[] b = new double[10];
    for (int i = 0; i < 10; i++) {
      a[i] = 0.71 + 0.01 * (i % 3);
      b[i] = 0.70;
    }
    assertFalse(PairedDifference.of(a, b).withinNoise());
  }

  @Test
  void shouldRefuseUnpairedMeasurements() {
    assertThrows(
        IllegalArgumentException.class,
        () -> PairedDifference.of(new double[] {1, 2}, new double[] {1}));
    assertThrows(
        IllegalArgumentException.class, () -> PairedDifference.of(new double[0], new double[0]));
  }
}
