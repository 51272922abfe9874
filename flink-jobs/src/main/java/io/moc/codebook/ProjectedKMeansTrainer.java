package io.moc.codebook;

import java.util.List;
import java.util.Random;

/**
 * Trains a {@link ProjectedKMeansCodebook}: one Gaussian random projection and k-means per
 * codebook.
 */
public final class ProjectedKMeansTrainer implements CodebookTrainer {

  private final int numCodebooks;
  private final int codebookSize;
  private final int projectedDimension;
  private final int iterations;
  private final long seed;

  public ProjectedKMeansTrainer(
      int numCodebooks, int codebookSize, int projectedDimension, int iterations, long seed) {
    if (numCodebooks < 1 || codebookSize < 1 || projectedDimension < 1 || iterations < 1) {
      throw new IllegalArgumentException("codebooks, size, projection and iterations must be >= 1");
    }
    this.numCodebooks = numCodebooks;
    this.codebookSize = codebookSize;
    this.projectedDimension = projectedDimension;
    this.iterations = iterations;
    this.seed = seed;
  }

  @Override
  public String method() {
    return ProjectedKMeansCodebook.METHOD;
  }

  @Override
  public ProjectedKMeansCodebook train(String embeddingModel, List<float[]> embeddings) {
    if (embeddings.isEmpty()) {
      throw new IllegalArgumentException("no embeddings to train on");
    }
    int dimension = embeddings.get(0).length;
    int n = embeddings.size();
    Random random = new Random(seed);
    float[][] projections = new float[numCodebooks][];
    float[][] centroids = new float[numCodebooks][];
    float[] projected = new float[n * projectedDimension];
    // Scaled so that projected vectors keep roughly the norm of the unit-norm inputs.
    double scale = 1.0 / Math.sqrt(projectedDimension);
    for (int m = 0; m < numCodebooks; m++) {
      float[] p = new float[projectedDimension * dimension];
      for (int i = 0; i < p.length; i++) {
        p[i] = (float) (random.nextGaussian() * scale);
      }
      for (int i = 0; i < n; i++) {
        float[] x = embeddings.get(i);
        if (x.length != dimension) {
          throw new IllegalArgumentException("embeddings have different dimensions");
        }
        ProjectedKMeansCodebook.project(
            p, x, dimension, projectedDimension, projected, i * projectedDimension);
      }
      projections[m] = p;
      centroids[m] = KMeans.fit(projected, n, projectedDimension, codebookSize, iterations, random);
    }
    return new ProjectedKMeansCodebook(
        embeddingModel, dimension, codebookSize, projectedDimension, projections, centroids);
  }
}
