package io.moc.codebook;

import java.util.Random;

/** Lloyd's k-means with k-means++ seeding over row-major float data; deterministic for a seed. */
public final class KMeans {

  private KMeans() {}

  /**
   * Fits {@code k} centroids to {@code n} points of dimension {@code dim}.
   *
   * @param data row-major points, length n * dim
   * @return row-major centroids, length k * dim; when there are fewer distinct points than k the
   *     remaining centroids duplicate existing ones (unused codes), never NaN
   */
  public static float[] fit(float[] data, int n, int dim, int k, int iterations, Random random) {
    if (n == 0) {
      throw new IllegalArgumentException("k-means needs at least one point");
    }
    float[] centroids = seedPlusPlus(data, n, dim, k, random);
    int[] assignment = new int[n];
    double[] sums = new double[k * dim];
    int[] counts = new int[k];
    for (int iter = 0; iter < iterations; iter++) {
      boolean changed = false;
      for (int i = 0; i < n; i++) {
        int best = nearest(centroids, k, dim, data, i * dim);
        if (iter == 0 || best != assignment[i]) {
          changed = true;
          assignment[i] = best;
        }
      }
      if (!changed) {
        break;
      }
      java.util.Arrays.fill(sums, 0);
      java.util.Arrays.fill(counts, 0);
      for (int i = 0; i < n; i++) {
        int c = assignment[i];
        counts[c]++;
        for (int j = 0; j < dim; j++) {
          sums[c * dim + j] += data[i * dim + j];
        }
      }
      for (int c = 0; c < k; c++) {
        if (counts[c] == 0) {
          // An empty cluster is re-seeded on a random point so that no code stays dead.
          int p = random.nextInt(n);
          System.arraycopy(data, p * dim, centroids, c * dim, dim);
          continue;
        }
        for (int j = 0; j < dim; j++) {
          centroids[c * dim + j] = (float) (sums[c * dim + j] / counts[c]);
        }
      }
    }
    return centroids;
  }

  /** Index of the centroid nearest to the point starting at {@code offset} in {@code points}. */
  public static int nearest(float[] centroids, int k, int dim, float[] points, int offset) {
    int best = 0;
    float bestDistance = Float.POSITIVE_INFINITY;
    for (int c = 0; c < k; c++) {
      float d = squaredDistance(centroids, c * dim, points, offset, dim);
      if (d < bestDistance) {
        bestDistance = d;
        best = c;
      }
    }
    return best;
  }

  static float squaredDistance(float[] a, int aOffset, float[] b, int bOffset, int dim) {
    float sum = 0f;
    for (int j = 0; j < dim; j++) {
      float diff = a[aOffset + j] - b[bOffset + j];
      sum += diff * diff;
    }
    return sum;
  }

  private static float[] seedPlusPlus(float[] data, int n, int dim, int k, Random random) {
    float[] centroids = new float[k * dim];
    double[] minDistance = new double[n];
    java.util.Arrays.fill(minDistance, Double.POSITIVE_INFINITY);
    int first = random.nextInt(n);
    System.arraycopy(data, first * dim, centroids, 0, dim);
    for (int c = 1; c < k; c++) {
      double total = 0;
      for (int i = 0; i < n; i++) {
        double d = squaredDistance(centroids, (c - 1) * dim, data, i * dim, dim);
        if (d < minDistance[i]) {
          minDistance[i] = d;
        }
        total += minDistance[i];
      }
      int chosen;
      if (total <= 0) {
        chosen = random.nextInt(n);
      } else {
        double target = random.nextDouble() * total;
        chosen = n - 1;
        for (int i = 0; i < n; i++) {
          target -= minDistance[i];
          if (target <= 0) {
            chosen = i;
            break;
          }
        }
      }
      System.arraycopy(data, chosen * dim, centroids, c * dim, dim);
    }
    return centroids;
  }
}
