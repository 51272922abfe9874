package io.moc.codebook;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Synthetic embeddings around a few random centres, for the quantizer tests. */
public final class ClusteredData {

  private ClusteredData() {}

  /** {@code n} points around {@code clusters} Gaussian centres, one seed for centres and noise. */
  public static List<float[]> clustered(int n, int dim, int clusters, double noise, long seed) {
    Random random = new Random(seed);
    return clustered(n, dim, clusters, noise, random, random);
  }

  /**
   * As {@link #clustered(int, int, int, double, long)}, with the noise drawn from {@code
   * noiseSeed}: the same centres with another noise seed give fresh items of the same clusters.
   */
  public static List<float[]> clustered(
      int n, int dim, int clusters, double noise, long centreSeed, long noiseSeed) {
    return clustered(n, dim, clusters, noise, new Random(centreSeed), new Random(noiseSeed));
  }

  private static List<float[]> clustered(
      int n, int dim, int clusters, double noise, Random centresRandom, Random noiseRandom) {
    float[][] centres = new float[clusters][dim];
    for (float[] c : centres) {
      for (int j = 0; j < dim; j++) {
        c[j] = (float) centresRandom.nextGaussian();
      }
    }
    List<float[]> points = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      float[] c = centres[i % clusters];
      float[] x = new float[dim];
      for (int j = 0; j < dim; j++) {
        x[j] = c[j] + (float) (noise * noiseRandom.nextGaussian());
      }
      points.add(x);
    }
    return points;
  }
}
