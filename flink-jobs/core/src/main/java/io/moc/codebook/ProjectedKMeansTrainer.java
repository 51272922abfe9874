package io.moc.codebook;

import java.util.List;
import java.util.Random;

/**
 * Trains {@link ProjectedKMeansCodebook}s: per codebook a linear projection and k-means in its
 * image. The projections make the method:
 *
 * <ul>
 *   <li>{@code projected-kmeans}: independent Gaussian random projections, M codebooks that each
 *       see the whole item;
 *   <li>{@code pq}: product quantization, codebook m sees the m-th sub-vector (the reviewers'
 *       baseline);
 *   <li>{@code kmeans}: one codebook over the whole vector (the 1x reference).
 * </ul>
 */
public final class ProjectedKMeansTrainer implements CodebookTrainer {

  private final String method;
  private final int numCodebooks;
  private final int codebookSize;
  private final int projectedDimension;
  private final int iterations;
  private final long seed;

  /** {@code projected-kmeans} with M random projections to {@code projectedDimension}. */
  public ProjectedKMeansTrainer(
      int numCodebooks, int codebookSize, int projectedDimension, int iterations, long seed) {
    this(
        ProjectedKMeansCodebook.METHOD,
        numCodebooks,
        codebookSize,
        projectedDimension,
        iterations,
        seed);
  }

  private ProjectedKMeansTrainer(
      String method,
      int numCodebooks,
      int codebookSize,
      int projectedDimension,
      int iterations,
      long seed) {
    if (numCodebooks < 1 || codebookSize < 1 || projectedDimension < 0 || iterations < 1) {
      throw new IllegalArgumentException("codebooks, size and iterations must be >= 1");
    }
    this.method = method;
    this.numCodebooks = numCodebooks;
    this.codebookSize = codebookSize;
    this.projectedDimension = projectedDimension;
    this.iterations = iterations;
    this.seed = seed;
  }

  /** Product quantization: M codebooks over M contiguous sub-vectors. */
  public static ProjectedKMeansTrainer productQuantization(
      int numCodebooks, int codebookSize, int iterations, long seed) {
    return new ProjectedKMeansTrainer(
        ProjectedKMeansCodebook.PQ, numCodebooks, codebookSize, 0, iterations, seed);
  }

  /** Plain k-means: one codebook over the whole embedding. */
  public static ProjectedKMeansTrainer kmeans(int codebookSize, int iterations, long seed) {
    return new ProjectedKMeansTrainer(
        ProjectedKMeansCodebook.KMEANS, 1, codebookSize, 0, iterations, seed);
  }

  @Override
  public String method() {
    return method;
  }

  @Override
  public ProjectedKMeansCodebook train(String embeddingModel, List<float[]> embeddings) {
    if (embeddings.isEmpty()) {
      throw new IllegalArgumentException("no embeddings to train on");
    }
    int dimension = embeddings.get(0).length;
    if (method.equals(ProjectedKMeansCodebook.PQ) && numCodebooks > dimension) {
      throw new IllegalArgumentException("more sub-vectors than dimensions");
    }
    int d = projectedDimension(dimension);
    int n = embeddings.size();
    Random random = new Random(seed);
    float[][] projections = new float[numCodebooks][];
    float[][] centroids = new float[numCodebooks][];
    float[] projected = new float[n * d];
    for (int m = 0; m < numCodebooks; m++) {
      float[] p = projection(m, dimension, d, random);
      for (int i = 0; i < n; i++) {
        float[] x = embeddings.get(i);
        if (x.length != dimension) {
          throw new IllegalArgumentException("embeddings have different dimensions");
        }
        ProjectedKMeansCodebook.project(p, x, dimension, d, projected, i * d);
      }
      projections[m] = p;
      centroids[m] = KMeans.fit(projected, n, d, codebookSize, iterations, random);
    }
    return new ProjectedKMeansCodebook(
        method, embeddingModel, dimension, codebookSize, d, projections, centroids);
  }

  private int projectedDimension(int dimension) {
    return switch (method) {
      case ProjectedKMeansCodebook.PQ -> (dimension + numCodebooks - 1) / numCodebooks;
      case ProjectedKMeansCodebook.KMEANS -> dimension;
      default -> projectedDimension;
    };
  }

  /** Row-major d x D projection of codebook {@code m}. */
  private float[] projection(int m, int dimension, int d, Random random) {
    float[] p = new float[d * dimension];
    switch (method) {
      case ProjectedKMeansCodebook.PQ -> {
        // Selects sub-vector m; the last one may be shorter, its missing rows stay zero.
        for (int r = 0; r < d && m * d + r < dimension; r++) {
          p[r * dimension + m * d + r] = 1;
        }
      }
      case ProjectedKMeansCodebook.KMEANS -> {
        for (int r = 0; r < d; r++) {
          p[r * dimension + r] = 1;
        }
      }
      default -> {
        // Scaled so that projected vectors keep roughly the norm of the unit-norm inputs.
        double scale = 1.0 / Math.sqrt(d);
        for (int i = 0; i < p.length; i++) {
          p[i] = (float) (random.nextGaussian() * scale);
        }
      }
    }
    return p;
  }
}
