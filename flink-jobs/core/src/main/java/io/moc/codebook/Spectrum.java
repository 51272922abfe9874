package io.moc.codebook;

import java.util.Arrays;
import java.util.List;

/**
 * Singular values of a set of row vectors, from the eigenvalues of their p x p Gram matrix (cyclic
 * Jacobi rotations): exact enough for the spectra of code representations, which have a few hundred
 * columns, and no linear-algebra library needed.
 */
public final class Spectrum {

  private Spectrum() {}

  /** Singular values of the matrix whose rows are {@code rows}, largest first. */
  public static double[] singularValues(List<float[]> rows) {
    if (rows.isEmpty()) {
      return new double[0];
    }
    int p = rows.get(0).length;
    double[][] gram = new double[p][p];
    for (float[] r : rows) {
      for (int i = 0; i < p; i++) {
        double ri = r[i];
        if (ri == 0) {
          continue;
        }
        for (int j = i; j < p; j++) {
          gram[i][j] += ri * r[j];
        }
      }
    }
    for (int i = 0; i < p; i++) {
      for (int j = 0; j < i; j++) {
        gram[i][j] = gram[j][i];
      }
    }
    double[] eigen = symmetricEigenvalues(gram);
    double[] singular = new double[p];
    for (int i = 0; i < p; i++) {
      singular[i] = Math.sqrt(Math.max(0, eigen[i]));
    }
    Arrays.sort(singular);
    for (int i = 0; i < p / 2; i++) {
      double t = singular[i];
      singular[i] = singular[p - 1 - i];
      singular[p - 1 - i] = t;
    }
    return singular;
  }

  /** Sum of the singular values over the largest one: how many dimensions carry information. */
  public static double informationAbundance(double[] singularValues) {
    if (singularValues.length == 0 || singularValues[0] == 0) {
      return 0;
    }
    double sum = 0;
    for (double s : singularValues) {
      sum += s;
    }
    return sum / singularValues[0];
  }

  /** Eigenvalues of a symmetric matrix (destroys it), in no particular order. */
  static double[] symmetricEigenvalues(double[][] a) {
    int n = a.length;
    for (int sweep = 0; sweep < 100; sweep++) {
      double off = 0;
      double diag = 0;
      for (int i = 0; i < n; i++) {
        diag += a[i][i] * a[i][i];
        for (int j = i + 1; j < n; j++) {
          off += a[i][j] * a[i][j];
        }
      }
      if (off <= 1e-22 * Math.max(diag, 1e-300)) {
        break;
      }
      for (int p = 0; p < n; p++) {
        for (int q = p + 1; q < n; q++) {
          double apq = a[p][q];
          if (Math.abs(apq) < 1e-300) {
            continue;
          }
          double theta = (a[q][q] - a[p][p]) / (2 * apq);
          double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
          if (theta == 0) {
            t = 1;
          }
          double c = 1 / Math.sqrt(t * t + 1);
          double s = t * c;
          for (int k = 0; k < n; k++) {
            double akp = a[k][p];
            double akq = a[k][q];
            a[k][p] = c * akp - s * akq;
            a[k][q] = s * akp + c * akq;
          }
          for (int k = 0; k < n; k++) {
            double apk = a[p][k];
            double aqk = a[q][k];
            a[p][k] = c * apk - s * aqk;
            a[q][k] = s * apk + c * aqk;
          }
        }
      }
    }
    double[] eigen = new double[n];
    for (int i = 0; i < n; i++) {
      eigen[i] = a[i][i];
    }
    return eigen;
  }
}
