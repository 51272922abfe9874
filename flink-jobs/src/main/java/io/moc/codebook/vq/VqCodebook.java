package io.moc.codebook.vq;

import io.moc.codebook.Assignment;
import io.moc.codebook.Codebook;

/**
 * A trained VQ-VAE quantizer reduced to what assignment needs: input normalisation, the encoder MLP
 * (D → h, ReLU, h → d) and M codebooks of K latent vectors. Immutable and thread-safe; assignment
 * is plain Java over float arrays.
 *
 * <ul>
 *   <li>{@link #MOC} (Mixture-of-Codes): every codebook quantizes the latent z independently; code
 *       m is the nearest vector of codebook m to z.
 *   <li>{@link #RQVAE} (residual quantization): level m quantizes the residual z minus the vectors
 *       chosen at the levels before it.
 * </ul>
 *
 * <p>Weights are stored input-major, as the DJL model multiplies them ({@code x.matMul(w)}): {@code
 * w1} is D × h, {@code w2} is h × d; codebook m is K × d, row-major. Dot products are accumulated
 * in double and rounded once to float, so that the result is the correctly rounded one that the
 * float32 DJL model approximates; the codes agree with the DJL model's except at float near-ties.
 */
public final class VqCodebook implements Codebook {

  public static final String MOC = "moc";
  public static final String RQVAE = "rqvae";

  private final String method;
  private final String embeddingModel;
  private final int dimension;
  private final int numCodebooks;
  private final int codebookSize;
  private final int hiddenSize;
  private final int latentSize;
  private final float[] mean;
  private final float[] std;
  private final float[] w1;
  private final float[] b1;
  private final float[] w2;
  private final float[] b2;
  private final float[][] codebooks;
  // Derived: codebook m transposed (d × K), and the squared norm of every code vector.
  private final float[][] transposed;
  private final float[][] norms;

  /**
   * @param method {@link #MOC} or {@link #RQVAE}
   * @param mean per-dimension mean of the training inputs (length D)
   * @param std per-dimension standard deviation of the training inputs, all > 0 (length D)
   * @param w1 D × h, input-major
   * @param b1 h
   * @param w2 h × d, input-major
   * @param b2 d
   * @param codebooks M arrays of K × d, row-major
   */
  public VqCodebook(
      String method,
      String embeddingModel,
      int codebookSize,
      float[] mean,
      float[] std,
      float[] w1,
      float[] b1,
      float[] w2,
      float[] b2,
      float[][] codebooks) {
    if (!MOC.equals(method) && !RQVAE.equals(method)) {
      throw new IllegalArgumentException("unknown VQ-VAE method " + method);
    }
    int dim = mean.length;
    int h = b1.length;
    int d = b2.length;
    if (dim == 0 || h == 0 || d == 0 || codebookSize < 1 || codebooks.length == 0) {
      throw new IllegalArgumentException("empty VQ-VAE codebook");
    }
    require(std.length == dim, "std");
    require(w1.length == (long) dim * h, "encoder layer 1");
    require(w2.length == (long) h * d, "encoder layer 2");
    for (int m = 0; m < codebooks.length; m++) {
      require(codebooks[m].length == (long) codebookSize * d, "codebook " + m);
      Codebook.requireFinite(codebooks[m], "codebook " + m);
    }
    Codebook.requireFinite(mean, "mean");
    Codebook.requireFinite(std, "std");
    Codebook.requireFinite(w1, "encoder layer 1");
    Codebook.requireFinite(b1, "encoder bias 1");
    Codebook.requireFinite(w2, "encoder layer 2");
    Codebook.requireFinite(b2, "encoder bias 2");
    for (float s : std) {
      if (!(s > 0)) {
        throw new IllegalArgumentException("standard deviations must be > 0");
      }
    }
    this.method = method;
    this.embeddingModel = embeddingModel;
    this.dimension = dim;
    this.numCodebooks = codebooks.length;
    this.codebookSize = codebookSize;
    this.hiddenSize = h;
    this.latentSize = d;
    this.mean = mean.clone();
    this.std = std.clone();
    this.w1 = w1.clone();
    this.b1 = b1.clone();
    this.w2 = w2.clone();
    this.b2 = b2.clone();
    this.codebooks = new float[numCodebooks][];
    this.transposed = new float[numCodebooks][];
    this.norms = new float[numCodebooks][];
    for (int m = 0; m < numCodebooks; m++) {
      float[] c = codebooks[m].clone();
      float[] t = new float[c.length];
      float[] n = new float[codebookSize];
      for (int k = 0; k < codebookSize; k++) {
        double sum = 0;
        for (int j = 0; j < d; j++) {
          float v = c[k * d + j];
          t[j * codebookSize + k] = v;
          sum += (double) v * v;
        }
        n[k] = (float) sum;
      }
      this.codebooks[m] = c;
      this.transposed[m] = t;
      this.norms[m] = n;
    }
  }

  private static void require(boolean ok, String what) {
    if (!ok) {
      throw new IllegalArgumentException(what + " has the wrong size");
    }
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

  /** Width h of the encoder's hidden layer. */
  public int hiddenSize() {
    return hiddenSize;
  }

  /** Dimension d of the latent and of the code vectors. */
  public int latentSize() {
    return latentSize;
  }

  /** Whether levels quantize residuals (rqvae) rather than z itself (moc). */
  public boolean residual() {
    return RQVAE.equals(method);
  }

  // Package-private views for the artifact format and the DJL cross-check; never modified.
  float[] mean() {
    return mean;
  }

  float[] std() {
    return std;
  }

  float[] w1() {
    return w1;
  }

  float[] b1() {
    return b1;
  }

  float[] w2() {
    return w2;
  }

  float[] b2() {
    return b2;
  }

  float[] codebook(int m) {
    return codebooks[m];
  }

  /** A copy of code vector {@code code} of codebook {@code m} (length d). */
  public float[] codeVector(int m, int code) {
    float[] v = new float[latentSize];
    System.arraycopy(codebooks[m], code * latentSize, v, 0, latentSize);
    return v;
  }

  /** The latent z of {@code embedding}: normalisation, then the encoder. */
  public float[] encode(float[] embedding) {
    if (embedding.length != dimension) {
      throw new IllegalArgumentException(
          "embedding has dimension " + embedding.length + ", codebook expects " + dimension);
    }
    float[] x = new float[dimension];
    for (int j = 0; j < dimension; j++) {
      x[j] = (embedding[j] - mean[j]) / std[j];
    }
    float[] hidden = linear(w1, b1, x, dimension, hiddenSize);
    for (int r = 0; r < hiddenSize; r++) {
      if (!(hidden[r] > 0f)) {
        hidden[r] = 0f;
      }
    }
    return linear(w2, b2, hidden, hiddenSize, latentSize);
  }

  /** out = round(x · w) + b, with w input-major (in × out) and the dot product in double. */
  private static float[] linear(float[] w, float[] b, float[] x, int in, int out) {
    double[] acc = new double[out];
    for (int j = 0; j < in; j++) {
      double xj = x[j];
      if (xj == 0) {
        continue; // exact: adding zero products leaves the sums unchanged
      }
      int row = j * out;
      for (int r = 0; r < out; r++) {
        acc[r] += w[row + r] * xj;
      }
    }
    float[] y = new float[out];
    for (int r = 0; r < out; r++) {
      y[r] = (float) acc[r] + b[r];
    }
    return y;
  }

  /**
   * The nearest code of codebook {@code m} to {@code target}, by ||c||² − 2 z·c (the term ||z||² is
   * the same for every code), ties to the lowest index like the DJL model's argmin.
   */
  private int nearest(int m, float[] target, double[] dots) {
    float[] t = transposed[m];
    int k = codebookSize;
    java.util.Arrays.fill(dots, 0);
    for (int j = 0; j < latentSize; j++) {
      double zj = target[j];
      if (zj == 0) {
        continue;
      }
      int row = j * k;
      for (int c = 0; c < k; c++) {
        dots[c] += t[row + c] * zj;
      }
    }
    float[] n = norms[m];
    int best = 0;
    float bestDistance = Float.POSITIVE_INFINITY;
    for (int c = 0; c < k; c++) {
      float distance = n[c] - 2f * (float) dots[c];
      if (distance < bestDistance) {
        bestDistance = distance;
        best = c;
      }
    }
    return best;
  }

  private float squaredDistance(int m, int code, float[] target) {
    float[] c = codebooks[m];
    int offset = code * latentSize;
    double sum = 0;
    for (int j = 0; j < latentSize; j++) {
      double diff = target[j] - c[offset + j];
      sum += diff * diff;
    }
    return (float) sum;
  }

  /**
   * Codes and error. The error is the squared distance between each codebook's target (z for moc,
   * the level's residual for rqvae) and its chosen vector, averaged over codebooks.
   */
  @Override
  public Assignment assign(float[] embedding) {
    float[] z = encode(embedding);
    int[] codes = new int[numCodebooks];
    double[] dots = new double[codebookSize];
    double error = 0;
    boolean residual = residual();
    for (int m = 0; m < numCodebooks; m++) {
      int code = nearest(m, z, dots);
      codes[m] = code;
      error += squaredDistance(m, code, z);
      if (residual) {
        float[] c = codebooks[m];
        int offset = code * latentSize;
        for (int j = 0; j < latentSize; j++) {
          z[j] -= c[offset + j];
        }
      }
    }
    return new Assignment(codes, (float) (error / numCodebooks));
  }

  /** The chosen code vectors, concatenated in codebook order (length M · d). */
  @Override
  public float[] represent(float[] embedding) {
    int[] codes = assign(embedding).codes();
    float[] out = new float[numCodebooks * latentSize];
    for (int m = 0; m < numCodebooks; m++) {
      System.arraycopy(codebooks[m], codes[m] * latentSize, out, m * latentSize, latentSize);
    }
    return out;
  }
}
