package io.moc.codebook;

import java.util.Arrays;
import java.util.List;

/**
 * Singular values of a set of row vectors, from the eigenvalues of their Gram matrix: the p x p
 * one, or the n x n one when there are fewer rows than columns (both have the same non-zero
 * eigenvalues). Householder tridiagonalisation and implicit QL, O(min(n, p)^3) once: the indexer
 * measures the live spectrum of its codes while items stream past, so this must take milliseconds
 * for a few hundred columns, not the seconds of Jacobi sweeps; no linear-algebra library needed.
 */
public final class Spectrum {

  private Spectrum() {}

  /** Singular values of the matrix whose rows are {@code rows}, largest first. */
  public static double[] singularValues(List<float[]> rows) {
    if (rows.isEmpty()) {
      return new double[0];
    }
    int p = rows.get(0).length;
    int n = rows.size();
    double[][] gram = n < p ? rowGram(rows) : columnGram(rows, p);
    double[] eigen = symmetricEigenvalues(gram);
    double[] singular = new double[p];
    for (int i = 0; i < eigen.length; i++) {
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

  /** X^T X, p x p. */
  private static double[][] columnGram(List<float[]> rows, int p) {
    double[][] gram = new double[p][p];
    for (float[] r : rows) {
      for (int i = 0; i < p; i++) {
        double ri = r[i];
        if (ri == 0) {
          continue;
        }
        double[] gi = gram[i];
        for (int j = i; j < p; j++) {
          gi[j] += ri * r[j];
        }
      }
    }
    mirrorUpper(gram);
    return gram;
  }

  /** X X^T, n x n. */
  private static double[][] rowGram(List<float[]> rows) {
    int n = rows.size();
    double[][] gram = new double[n][n];
    for (int i = 0; i < n; i++) {
      float[] a = rows.get(i);
      for (int j = i; j < n; j++) {
        float[] b = rows.get(j);
        double dot = 0;
        for (int k = 0; k < a.length; k++) {
          dot += (double) a[k] * b[k];
        }
        gram[i][j] = dot;
      }
    }
    mirrorUpper(gram);
    return gram;
  }

  private static void mirrorUpper(double[][] a) {
    for (int i = 0; i < a.length; i++) {
      for (int j = 0; j < i; j++) {
        a[i][j] = a[j][i];
      }
    }
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
    double[] d = new double[n];
    double[] e = new double[n];
    tridiagonalize(a, d, e);
    tridiagonalEigenvalues(d, e);
    return d;
  }

  /**
   * Householder reduction of the symmetric {@code a} (its lower triangle is used and destroyed) to
   * a tridiagonal matrix with diagonal {@code d} and sub-diagonal {@code e[1..n-1]}.
   */
  private static void tridiagonalize(double[][] a, double[] d, double[] e) {
    int n = a.length;
    for (int i = n - 1; i > 0; i--) {
      int l = i - 1;
      double[] ai = a[i];
      if (l == 0) {
        e[i] = ai[0];
        continue;
      }
      double scale = 0;
      for (int k = 0; k <= l; k++) {
        scale += Math.abs(ai[k]);
      }
      if (scale == 0) {
        e[i] = ai[l];
        continue;
      }
      double h = 0;
      for (int k = 0; k <= l; k++) {
        ai[k] /= scale;
        h += ai[k] * ai[k];
      }
      double f = ai[l];
      double g = f >= 0 ? -Math.sqrt(h) : Math.sqrt(h);
      e[i] = scale * g;
      h -= f * g;
      ai[l] = f - g;
      // e[0..l] := A u / h, with u the Householder vector in row i; f := u^T A u / h.
      f = 0;
      for (int j = 0; j <= l; j++) {
        double[] aj = a[j];
        double s = 0;
        for (int k = 0; k <= j; k++) {
          s += aj[k] * ai[k];
        }
        for (int k = j + 1; k <= l; k++) {
          s += a[k][j] * ai[k];
        }
        e[j] = s / h;
        f += e[j] * ai[j];
      }
      double hh = f / (h + h);
      for (int j = 0; j <= l; j++) {
        double fj = ai[j];
        double gj = e[j] - hh * fj;
        e[j] = gj;
        double[] aj = a[j];
        for (int k = 0; k <= j; k++) {
          aj[k] -= fj * e[k] + gj * ai[k];
        }
      }
    }
    e[0] = 0;
    for (int i = 0; i < n; i++) {
      d[i] = a[i][i];
    }
  }

  /**
   * Eigenvalues of the symmetric tridiagonal matrix ({@code d} diagonal, {@code e[1..n-1]}
   * sub-diagonal) by QL with implicit Wilkinson shifts; they replace {@code d}, {@code e} is
   * destroyed.
   */
  private static void tridiagonalEigenvalues(double[] d, double[] e) {
    int n = d.length;
    for (int i = 1; i < n; i++) {
      e[i - 1] = e[i];
    }
    if (n > 0) {
      e[n - 1] = 0;
    }
    for (int l = 0; l < n; l++) {
      for (int iteration = 0; ; iteration++) {
        int m = l;
        while (m < n - 1) {
          double dd = Math.abs(d[m]) + Math.abs(d[m + 1]);
          if (Math.abs(e[m]) <= 0x1p-52 * dd) {
            break;
          }
          m++;
        }
        if (m == l) {
          break;
        }
        if (iteration == 64) {
          throw new ArithmeticException("QL did not converge on eigenvalue " + l);
        }
        double g = (d[l + 1] - d[l]) / (2 * e[l]);
        double r = Math.hypot(g, 1);
        g = d[m] - d[l] + e[l] / (g + Math.copySign(r, g));
        double s = 1;
        double c = 1;
        double p = 0;
        boolean deflated = false;
        for (int i = m - 1; i >= l; i--) {
          double f = s * e[i];
          double b = c * e[i];
          r = Math.hypot(f, g);
          e[i + 1] = r;
          if (r == 0) {
            // Underflow: the matrix split at i; go on with the smaller problem.
            d[i + 1] -= p;
            e[m] = 0;
            deflated = true;
            break;
          }
          s = f / r;
          c = g / r;
          g = d[i + 1] - p;
          r = (d[i] - g) * s + 2 * c * b;
          p = s * r;
          d[i + 1] = g + p;
          g = c * r - b;
        }
        if (!deflated) {
          d[l] -= p;
          e[l] = g;
          e[m] = 0;
        }
      }
    }
  }
}
