package io.moc.codebook;

/**
 * M independent codebooks, each a k-means codebook over its own random projection of the embedding:
 * a simple stand-in for the multi-codebook VQ-VAE that already gives M codes that quantize the same
 * item independently and in parallel, not residually.
 */
public final class ProjectedKMeansCodebook implements Codebook {

  public static final String METHOD = "projected-kmeans";
  public static final String PQ = "pq";
  public static final String KMEANS = "kmeans";

  private final String method;
  private final String embeddingModel;
  private final int dimension;
  private final int numCodebooks;
  private final int codebookSize;
  private final int projectedDimension;
  // projections[m] is row-major projectedDimension x dimension
  private final float[][] projections;
  // centroids[m] is row-major codebookSize x projectedDimension
  private final float[][] centroids;

  public ProjectedKMeansCodebook(
      String embeddingModel,
      int dimension,
      int codebookSize,
      int projectedDimension,
      float[][] projections,
      float[][] centroids) {
    this(
        METHOD,
        embeddingModel,
        dimension,
        codebookSize,
        projectedDimension,
        projections,
        centroids);
  }

  /** A codebook of {@code method}: {@link #METHOD}, {@link #PQ} or {@link #KMEANS}. */
  public ProjectedKMeansCodebook(
      String method,
      String embeddingModel,
      int dimension,
      int codebookSize,
      int projectedDimension,
      float[][] projections,
      float[][] centroids) {
    if (projections.length != centroids.length || projections.length == 0) {
      throw new IllegalArgumentException("need one projection and one centroid set per codebook");
    }
    for (int m = 0; m < projections.length; m++) {
      if (projections[m].length != projectedDimension * dimension) {
        throw new IllegalArgumentException("projection " + m + " has the wrong size");
      }
      if (centroids[m].length != codebookSize * projectedDimension) {
        throw new IllegalArgumentException("codebook " + m + " has the wrong size");
      }
      Codebook.requireFinite(projections[m], "projection " + m);
      Codebook.requireFinite(centroids[m], "codebook " + m);
    }
    this.method = method;
    this.embeddingModel = embeddingModel;
    this.dimension = dimension;
    this.numCodebooks = projections.length;
    this.codebookSize = codebookSize;
    this.projectedDimension = projectedDimension;
    this.projections = projections;
    this.centroids = centroids;
  }

  @Override
  public String method() {
    return method;
  }

  @Override
  public String embeddingModel() {
    return embeddingModel;
  }

  @Override
  public int dimension() {
    return dimension;
  }

  @Override
  public int numCodebooks() {
    return numCodebooks;
  }

  @Override
  public int codebookSize() {
    return codebookSize;
  }

  public int projectedDimension() {
    return projectedDimension;
  }

  float[][] projections() {
    return projections;
  }

  float[][] centroids() {
    return centroids;
  }

  @Override
  public Assignment assign(float[] embedding) {
    if (embedding.length != dimension) {
      throw new IllegalArgumentException(
          "embedding has dimension " + embedding.length + ", codebook expects " + dimension);
    }
    int[] codes = new int[numCodebooks];
    float[] z = new float[projectedDimension];
    float error = 0f;
    for (int m = 0; m < numCodebooks; m++) {
      project(projections[m], embedding, dimension, projectedDimension, z, 0);
      int code = KMeans.nearest(centroids[m], codebookSize, projectedDimension, z, 0);
      codes[m] = code;
      error +=
          KMeans.squaredDistance(centroids[m], code * projectedDimension, z, 0, projectedDimension);
    }
    return new Assignment(codes, error / numCodebooks);
  }

  @Override
  public float[] represent(float[] embedding) {
    int[] codes = assign(embedding).codes();
    float[] out = new float[numCodebooks * projectedDimension];
    for (int m = 0; m < numCodebooks; m++) {
      System.arraycopy(
          centroids[m],
          codes[m] * projectedDimension,
          out,
          m * projectedDimension,
          projectedDimension);
    }
    return out;
  }

  static void project(float[] matrix, float[] x, int in, int out, float[] target, int offset) {
    for (int r = 0; r < out; r++) {
      float sum = 0f;
      int row = r * in;
      for (int j = 0; j < in; j++) {
        sum += matrix[row + j] * x[j];
      }
      target[offset + r] = sum;
    }
  }
}
