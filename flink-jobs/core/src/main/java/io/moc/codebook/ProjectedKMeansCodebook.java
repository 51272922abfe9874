package io.moc.codebook;

/**
 * M independent codebooks, each a k-means codebook over its own random projection of the embedding:
 * a simple stand-in for the multi-codebook VQ-VAE that already gives M codes that quantize the same
 * item independently and in parallel, not residually.
 */
public final class ProjectedKMeansCodebook extends AbstractCodebook {

  public static final String METHOD = "projected-kmeans";
  public static final String PQ = "pq";
  public static final String KMEANS = "kmeans";

  private final int projectedDimension;
  // projections[m] is row-major projectedDimension x dimension
  private final float[][] projections;
  // centroids[m] is row-major codebookSize x projectedDimension
  private final float[][] centroids;
  // Derived, over the M projected vectors side by side (M·d values): the input coordinate behind
  // each value (-1 for a zero row) when every projection only selects coordinates (kmeans, pq),
  // else null and the stacked projections as D columns, so that all M project in one sweep.
  private final int[] selection;
  private final float[][] projectionColumns;
  private final NearestCode[] searches;

  /** A codebook of {@code method}: {@link #METHOD}, {@link #PQ} or {@link #KMEANS}. */
  public ProjectedKMeansCodebook(
      String method,
      String embeddingModel,
      int dimension,
      int codebookSize,
      int projectedDimension,
      float[][] projections,
      float[][] centroids) {
    super(method, embeddingModel, dimension, projections.length, codebookSize);
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
    this.projectedDimension = projectedDimension;
    this.projections = projections;
    this.centroids = centroids;
    int stacked = numCodebooks * projectedDimension;
    float[] stackedProjections = new float[stacked * dimension];
    for (int m = 0; m < numCodebooks; m++) {
      System.arraycopy(
          projections[m],
          0,
          stackedProjections,
          m * projectedDimension * dimension,
          projectedDimension * dimension);
    }
    this.selection = selection(stackedProjections, dimension, stacked);
    this.projectionColumns =
        selection == null ? VectorKernels.columns(stackedProjections, stacked, dimension) : null;
    this.searches = new NearestCode[numCodebooks];
    for (int m = 0; m < numCodebooks; m++) {
      searches[m] = new NearestCode(new float[][] {centroids[m]}, codebookSize, projectedDimension);
    }
  }

  /**
   * The selected input coordinate of each row when every row of {@code projection} is zero or a
   * single 1, else null. For finite inputs projecting by such a matrix yields exactly the selected
   * values (and +0 for zero rows), so the multiply can be skipped.
   */
  private static int[] selection(float[] projection, int dimension, int projectedDimension) {
    int[] selected = new int[projectedDimension];
    for (int r = 0; r < projectedDimension; r++) {
      selected[r] = -1;
      for (int j = 0; j < dimension; j++) {
        float v = projection[r * dimension + j];
        if (v == 0f) {
          continue;
        }
        if (v != 1f || selected[r] >= 0) {
          return null;
        }
        selected[r] = j;
      }
    }
    return selected;
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
    float[] projected = project(embedding);
    float[] z = new float[projectedDimension];
    NearestCode.Scratch scratch = searches[0].scratch();
    float error = 0f;
    for (int m = 0; m < numCodebooks; m++) {
      System.arraycopy(projected, m * projectedDimension, z, 0, projectedDimension);
      float[] codebook = centroids[m];
      // The distance k-means trained with decides near-ties, so codes are those of a full scan.
      searches[m].nearest(
          z,
          scratch,
          codes,
          m,
          (i, c) ->
              KMeans.squaredDistance(codebook, c * projectedDimension, z, 0, projectedDimension));
      error +=
          KMeans.squaredDistance(codebook, codes[m] * projectedDimension, z, 0, projectedDimension);
    }
    return new Assignment(codes, error / numCodebooks);
  }

  /**
   * The M projections of x side by side; for finite x bit-identical to the plain product {@link
   * #project(float[], float[], int, int, float[], int)} of each.
   */
  private float[] project(float[] x) {
    float[] out = new float[numCodebooks * projectedDimension];
    if (selection != null) {
      for (int r = 0; r < out.length; r++) {
        // 0f + v turns -0 into +0, as the sum of products does.
        out[r] = selection[r] < 0 ? 0f : 0f + x[selection[r]];
      }
    } else {
      VectorKernels.accumulate(projectionColumns, x, out, out.length);
    }
    return out;
  }

  @Override
  public float[] codeVector(int m, int code) {
    java.util.Objects.checkIndex(code, codebookSize());
    return java.util.Arrays.copyOfRange(
        centroids[m], code * projectedDimension, (code + 1) * projectedDimension);
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
