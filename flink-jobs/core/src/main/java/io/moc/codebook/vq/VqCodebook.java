package io.moc.codebook.vq;

import io.moc.codebook.AbstractCodebook;
import io.moc.codebook.Assignment;
import io.moc.codebook.Codebook;
import io.moc.codebook.NearestCode;
import io.moc.codebook.VectorKernels;
import java.util.List;

/**
 * A trained VQ-VAE quantizer reduced to what assignment needs: input normalisation, the encoder MLP
 * (D → h, ReLU, h → d) and M codebooks of K latent vectors. Immutable and thread-safe; assignment
 * is plain Java over float arrays.
 *
 * <ul>
 *   <li>{@link #MOC} (Mixture-of-Codes): every codebook quantizes the latent z independently; code
 *       m is the nearest vector of codebook m to z.
 *   <li>{@link #MOC_HEADS}: Mixture-of-Codes with one latent head per codebook; the encoder's last
 *       layer outputs M latents z_1 … z_M (h → M·d) and code m is the nearest vector of codebook m
 *       to z_m.
 *   <li>{@link #RQVAE} (residual quantization): level m quantizes the residual z minus the vectors
 *       chosen at the levels before it.
 * </ul>
 *
 * <p>Weights are stored input-major, as the DJL model multiplies them ({@code x.matMul(w)}): {@code
 * w1} is D × h, {@code w2} is h × d (h × M·d for moc-heads); codebook m is K × d, row-major. The
 * encoder computes in float32 like the DJL model, in its own summation order, so the codes agree
 * with the DJL model's except at float near-ties; given the latent, a code is the exact argmin of
 * ||c||² − 2 z·c with z·c in double (see {@link NearestCode}).
 */
public final class VqCodebook extends AbstractCodebook {

  public static final String MOC = "moc";
  public static final String MOC_HEADS = "moc-heads";
  public static final String RQVAE = "rqvae";

  /** Every VQ-VAE method. */
  public static final List<String> METHODS = List.of(MOC, MOC_HEADS, RQVAE);

  private final int hiddenSize;
  private final int latentSize;
  private final int heads;
  private final float[] mean;
  private final float[] std;
  private final float[] w1;
  private final float[] b1;
  private final float[] w2;
  private final float[] b2;
  private final float[][] codebooks;
  // Derived: the encoder weights split per input for the vectorised kernel; one search over all
  // codebooks for moc (they share z), one per level for rqvae (each level has its own residual).
  private final float[][] w1Rows;
  private final float[][] w2Rows;
  private final NearestCode[] searches;

  /**
   * @param method one of {@link #METHODS}
   * @param mean per-dimension mean of the training inputs (length D)
   * @param std per-dimension standard deviation of the training inputs, all > 0 (length D)
   * @param w1 D × h, input-major
   * @param b1 h
   * @param w2 h × d (h × M·d for moc-heads), input-major
   * @param b2 d (M·d for moc-heads)
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
    super(method, embeddingModel, mean.length, codebooks.length, codebookSize);
    if (!METHODS.contains(method)) {
      throw new IllegalArgumentException("unknown VQ-VAE method " + method);
    }
    int dim = mean.length;
    int h = b1.length;
    int heads = MOC_HEADS.equals(method) ? codebooks.length : 1;
    int d = heads == 0 ? 0 : b2.length / heads;
    if (dim == 0 || h == 0 || d == 0 || codebookSize < 1 || codebooks.length == 0) {
      throw new IllegalArgumentException("empty VQ-VAE codebook");
    }
    require(std.length == dim, "std");
    require(w1.length == (long) dim * h, "encoder layer 1");
    require(b2.length == (long) heads * d, "encoder bias 2");
    require(w2.length == (long) h * heads * d, "encoder layer 2");
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
    this.hiddenSize = h;
    this.latentSize = d;
    this.heads = heads;
    this.mean = mean.clone();
    this.std = std.clone();
    this.w1 = w1.clone();
    this.b1 = b1.clone();
    this.w2 = w2.clone();
    this.b2 = b2.clone();
    this.codebooks = new float[numCodebooks][];
    for (int m = 0; m < numCodebooks; m++) {
      this.codebooks[m] = codebooks[m].clone();
    }
    if (residual() || heads > 1) {
      this.searches = new NearestCode[numCodebooks];
      for (int m = 0; m < numCodebooks; m++) {
        searches[m] = new NearestCode(new float[][] {this.codebooks[m]}, codebookSize, d);
      }
    } else {
      this.searches = new NearestCode[] {new NearestCode(this.codebooks, codebookSize, d)};
    }
    this.w1Rows = VectorKernels.rows(this.w1, dim, h);
    this.w2Rows = VectorKernels.rows(this.w2, h, heads * d);
  }

  private static void require(boolean ok, String what) {
    if (!ok) {
      throw new IllegalArgumentException(what + " has the wrong size");
    }
  }

  /** Width h of the encoder's hidden layer. */
  public int hiddenSize() {
    return hiddenSize;
  }

  /** Dimension d of the latent and of the code vectors. */
  public int latentSize() {
    return latentSize;
  }

  /** Latent heads: M for moc-heads (one z_m per codebook), else 1. */
  public int heads() {
    return heads;
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
  @Override
  public float[] codeVector(int m, int code) {
    float[] v = new float[latentSize];
    System.arraycopy(codebooks[m], code * latentSize, v, 0, latentSize);
    return v;
  }

  /** The latent z of {@code embedding} (z_1 … z_M concatenated for moc-heads). */
  public float[] encode(float[] embedding) {
    float[] hidden = new float[hiddenSize];
    VectorKernels.accumulate(w1Rows, normalized(embedding), hidden, hiddenSize);
    relu(addBias(hidden, b1));
    float[] z = new float[b2.length];
    VectorKernels.accumulate(w2Rows, hidden, z, z.length);
    return addBias(z, b2);
  }

  /** {@link #encode(float[])} of {@code embeddings[0 .. count)}, the batch in one pass. */
  private float[][] encode(float[][] embeddings, int count) {
    float[][] x = new float[count][];
    for (int i = 0; i < count; i++) {
      x[i] = normalized(embeddings[i]);
    }
    float[][] hidden = new float[count][hiddenSize];
    VectorKernels.accumulate(w1Rows, x, hidden, count, hiddenSize);
    float[][] z = new float[count][b2.length];
    for (int i = 0; i < count; i++) {
      relu(addBias(hidden[i], b1));
    }
    VectorKernels.accumulate(w2Rows, hidden, z, count, b2.length);
    for (int i = 0; i < count; i++) {
      addBias(z[i], b2);
    }
    return z;
  }

  private float[] normalized(float[] embedding) {
    if (embedding.length != dimension) {
      throw new IllegalArgumentException(
          "embedding has dimension " + embedding.length + ", codebook expects " + dimension);
    }
    float[] x = new float[dimension];
    for (int j = 0; j < dimension; j++) {
      x[j] = (embedding[j] - mean[j]) / std[j];
    }
    return x;
  }

  /** x · w + b, with x · w already in {@code y}: the bias after the products, as DJL adds it. */
  private float[] addBias(float[] y, float[] b) {
    for (int r = 0; r < y.length; r++) {
      y[r] += b[r];
    }
    return y;
  }

  private void relu(float[] hidden) {
    for (int r = 0; r < hiddenSize; r++) {
      // Branch-free, so vectorised: half the units are negative at random, which a branch
      // mispredicts. Only a non-finite embedding makes NaN, which max keeps.
      hidden[r] = Math.max(hidden[r], 0f);
    }
  }

  /**
   * ||c||² − 2 z·c (||z − c||² less the same ||z||² for every code) with z·c in double: the
   * distance that decides near-ties, ties to the lowest index like the DJL model's argmin.
   */
  private float distance(int m, int code, float[] target) {
    float[] c = codebooks[m];
    int offset = code * latentSize;
    double dot = 0;
    double norm = 0;
    for (int j = 0; j < latentSize; j++) {
      float v = c[offset + j];
      dot += v * (double) target[j];
      norm += (double) v * v;
    }
    return (float) norm - 2f * (float) dot;
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
   * z_m for moc-heads, the level's residual for rqvae) and its chosen vector, averaged over
   * codebooks.
   */
  @Override
  public Assignment assign(float[] embedding) {
    return assignLatent(encode(embedding));
  }

  /** The codes and errors of a batch: encoded, and for moc also searched, in one pass. */
  @Override
  public Assignment[] assign(float[][] embeddings, int count) {
    float[][] zs = encode(embeddings, count);
    Assignment[] out = new Assignment[count];
    if (heads > 1 || residual()) {
      // Each codebook searches its own target (a head, a residual): only the encoder is shared.
      for (int i = 0; i < count; i++) {
        out[i] = assignLatent(zs[i]);
      }
      return out;
    }
    int[][] codes = new int[count][numCodebooks];
    searches[0].nearest(
        zs, count, searches[0].batch(count), codes, 0, (i, m, c) -> distance(m, c, zs[i]));
    for (int i = 0; i < count; i++) {
      double error = 0;
      for (int m = 0; m < numCodebooks; m++) {
        error += squaredDistance(m, codes[i][m], zs[i]);
      }
      out[i] = new Assignment(codes[i], (float) (error / numCodebooks));
    }
    return out;
  }

  private Assignment assignLatent(float[] z) {
    int[] codes = new int[numCodebooks];
    NearestCode.Scratch scratch = searches[0].scratch();
    double error = 0;
    if (heads > 1) {
      float[] target = new float[latentSize];
      for (int m = 0; m < numCodebooks; m++) {
        System.arraycopy(z, m * latentSize, target, 0, latentSize);
        int head = m;
        searches[m].nearest(target, scratch, codes, m, (i, c) -> distance(head, c, target));
        error += squaredDistance(m, codes[m], target);
      }
    } else if (!residual()) {
      searches[0].nearest(z, scratch, codes, 0, (m, c) -> distance(m, c, z));
      for (int m = 0; m < numCodebooks; m++) {
        error += squaredDistance(m, codes[m], z);
      }
    } else {
      for (int m = 0; m < numCodebooks; m++) {
        int level = m;
        searches[m].nearest(z, scratch, codes, m, (i, c) -> distance(level, c, z));
        error += squaredDistance(m, codes[m], z);
        float[] c = codebooks[m];
        int offset = codes[m] * latentSize;
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
