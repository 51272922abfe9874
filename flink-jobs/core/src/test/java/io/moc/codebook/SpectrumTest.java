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

  @Test
  void shouldFindTheEigenvaluesOfARotatedDiagonalMatrix() {
    int n = 60;
    Random random = new Random(3);
    double[] lambda = new double[n];
    for (int i = 0; i < n; i++) {
      // Some equal and some tiny eigenvalues, as a Gram matrix of codes has.
      lambda[i] = i % 7 == 0 ? 2.5 : i % 11 == 0 ? 1e-9 : random.nextDouble() * 10;
    }
    double[][] q = randomOrthogonal(n, random);
    double[][] a = new double[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        double v = 0;
        for (int k = 0; k < n; k++) {
          v += q[i][k] * lambda[k] * q[j][k];
        }
        a[i][j] = v;
      }
    }
    double[] found = Spectrum.symmetricEigenvalues(a);
    java.util.Arrays.sort(found);
    java.util.Arrays.sort(lambda);
    assertArrayEquals(lambda, found, 1e-9);
  }

  @Test
  void shouldGiveAWideMatrixTheSingularValuesOfItsTranspose() {
    Random random = new Random(5);
    int rows = 12;
    int columns = 40;
    List<float[]> wide = new ArrayList<>();
    List<float[]> tall = new ArrayList<>();
    for (int j = 0; j < columns; j++) {
      tall.add(new float[rows]);
    }
    for (int i = 0; i < rows; i++) {
      float[] r = new float[columns];
      for (int j = 0; j < columns; j++) {
        r[j] = (float) random.nextGaussian();
        tall.get(j)[i] = r[j];
      }
      wide.add(r);
    }
    double[] fromWide = Spectrum.singularValues(wide);
    double[] fromTall = Spectrum.singularValues(tall);
    assertEquals(columns, fromWide.length, "one value per column, the missing ones zero");
    for (int i = 0; i < rows; i++) {
      assertEquals(fromTall[i], fromWide[i], 1e-9 * fromTall[0]);
    }
    for (int i = rows; i < columns; i++) {
      assertEquals(0.0, fromWide[i], 1e-9);
    }
  }

  /** Gram-Schmidt on a random Gaussian matrix: its columns are orthonormal. */
  private static double[][] randomOrthogonal(int n, Random random) {
    double[][] q = new double[n][n];
    for (int c = 0; c < n; c++) {
      double[] v = new double[n];
      for (int i = 0; i < n; i++) {
        v[i] = random.nextGaussian();
      }
      for (int prev = 0; prev < c; prev++) {
        double dot = 0;
        for (int i = 0; i < n; i++) {
          dot += v[i] * q[i][prev];
        }
        for (int i = 0; i < n; i++) {
          v[i] -= dot * q[i][prev];
        }
      }
      double norm = 0;
      for (double x : v) {
        norm += x * x;
      }
      norm = Math.sqrt(norm);
      for (int i = 0; i < n; i++) {
        q[i][c] = v[i] / norm;
      }
    }
    return q;
  }
}
