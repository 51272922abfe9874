package io.moc.codebook;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SpectrumTest {

  @Test
  void shouldFindTheSingularValuesOfADiagonalMatrixLargestFirst() {
    double[] s =
        Spectrum.singularValues(
            List.of(new float[] {3, 0, 0}, new float[] {0, 4, 0}, new float[] {0, 0, 1}));
    assertArrayEquals(new double[] {4, 3, 1}, s, 1e-9);
    assertEquals(2.0, Spectrum.informationAbundance(s), 1e-9);
  }

  @Test
  void shouldGiveAbundanceOneForARankOneMatrix() {
    List<float[]> rows = new ArrayList<>();
    for (int i = 1; i <= 20; i++) {
      rows.add(new float[] {i, 2 * i, -i, 0.5f * i});
    }
    double[] s = Spectrum.singularValues(rows);
    assertEquals(1.0, Spectrum.informationAbundance(s), 1e-6);
  }

  @Test
  void shouldKeepTheFrobeniusNormOfARandomMatrix() {
    Random random = new Random(1);
    List<float[]> rows = new ArrayList<>();
    double frobenius = 0;
    for (int i = 0; i < 200; i++) {
      float[] r = new float[24];
      for (int j = 0; j < r.length; j++) {
        r[j] = (float) random.nextGaussian();
        frobenius += (double) r[j] * r[j];
      }
      rows.add(r);
    }
    double sumOfSquares = 0;
    double[] s = Spectrum.singularValues(rows);
    for (double v : s) {
      sumOfSquares += v * v;
    }
    assertEquals(frobenius, sumOfSquares, 1e-6 * frobenius);
    for (int i = 1; i < s.length; i++) {
      assertEquals(true, s[i] <= s[i - 1]);
    }
  }
}
