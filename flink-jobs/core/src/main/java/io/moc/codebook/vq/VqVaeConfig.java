package io.moc.codebook.vq;

/**
 * Settings of a VQ-VAE quantizer ({@link VqVaeTrainer}).
 *
 * @param hiddenSize width h of the encoder's (and decoder's) hidden layer
 * @param latentSize dimension d of the latent z and of every code vector
 * @param numCodebooks M: codebooks (moc) or residual levels (rqvae), i.e. codes per item
 * @param codebookSize K: code vectors per codebook
 * @param epochs training epochs with quantization, after the warm-up
 * @param warmupEpochs epochs of plain auto-encoder training before the codebooks are initialised by
 *     k-means on the encoder outputs (0: k-means on the freshly initialised encoder)
 * @param batchSize mini-batch size (keep it at 256 or more: per-op cost dominates below)
 * @param learningRate Adam learning rate
 * @param beta weight of the commitment loss
 * @param kmeansIterations Lloyd iterations of the codebook initialisation
 * @param kmeansMaxPoints at most this many (randomly chosen) encoder outputs per codebook for the
 *     k-means initialisation
 * @param seed seeds weight initialisation, shuffling, k-means and dead-code re-seeding
 * @param coClickWeight weight of the co-click term (0: none), an InfoNCE loss that pulls together
 *     the latents of items one user clicked one after the other; only {@link
 *     VqVaeTrainer#fit(String, java.util.List, int[][])} with pairs uses it
 * @param coClickTemperature temperature of the co-click term's softmax over the batch's pairs
 */
public record VqVaeConfig(
    int hiddenSize,
    int latentSize,
    int numCodebooks,
    int codebookSize,
    int epochs,
    int warmupEpochs,
    int batchSize,
    float learningRate,
    float beta,
    int kmeansIterations,
    int kmeansMaxPoints,
    long seed,
    float coClickWeight,
    float coClickTemperature) {

  public VqVaeConfig {
    if (hiddenSize < 1 || latentSize < 1 || numCodebooks < 1 || codebookSize < 1) {
      throw new IllegalArgumentException("hidden size, latent size, M and K must be >= 1");
    }
    if (numCodebooks > 64 || codebookSize > (1 << 16) || hiddenSize > 8192 || latentSize > 8192) {
      throw new IllegalArgumentException("sizes beyond what an artifact may hold");
    }
    if (epochs < 0 || warmupEpochs < 0 || batchSize < 1 || kmeansIterations < 1) {
      throw new IllegalArgumentException("epochs >= 0, batch size and k-means iterations >= 1");
    }
    if (kmeansMaxPoints < codebookSize) {
      throw new IllegalArgumentException("k-means needs at least K points per codebook");
    }
    if (!(learningRate > 0) || !(beta >= 0) || !Float.isFinite(learningRate)) {
      throw new IllegalArgumentException("learning rate must be > 0 and beta >= 0");
    }
    if (!(coClickWeight >= 0) || !(coClickTemperature > 0) || !Float.isFinite(coClickWeight)) {
      throw new IllegalArgumentException(
          "co-click weight must be >= 0 and finite, its temperature > 0");
    }
  }

  /**
   * h = 256, d = 64, M = 3, K = 256, 20 epochs after 1 warm-up epoch, batch 256, lr 1e-3, beta
   * 0.25, no co-click term (temperature 0.1 when one is weighed in).
   */
  public static VqVaeConfig defaults() {
    return new VqVaeConfig(256, 64, 3, 256, 20, 1, 256, 1e-3f, 0.25f, 10, 4096, 42L, 0f, 0.1f);
  }

  public VqVaeConfig withHiddenSize(int h) {
    return edit(c -> c.hiddenSize = h);
  }

  public VqVaeConfig withLatentSize(int d) {
    return edit(c -> c.latentSize = d);
  }

  /** M and K together; k-means then uses at least 16 points per code. */
  public VqVaeConfig withCodebooks(int m, int k) {
    return edit(
        c -> {
          c.numCodebooks = m;
          c.codebookSize = k;
          c.kmeansMaxPoints = Math.max(kmeansMaxPoints, 16 * k);
        });
  }

  public VqVaeConfig withEpochs(int warmup, int vq) {
    return edit(
        c -> {
          c.warmupEpochs = warmup;
          c.epochs = vq;
        });
  }

  public VqVaeConfig withBatchSize(int b) {
    return edit(c -> c.batchSize = b);
  }

  public VqVaeConfig withLearningRate(float lr) {
    return edit(c -> c.learningRate = lr);
  }

  public VqVaeConfig withBeta(float b) {
    return edit(c -> c.beta = b);
  }

  public VqVaeConfig withKmeans(int iterations, int maxPoints) {
    return edit(
        c -> {
          c.kmeansIterations = iterations;
          c.kmeansMaxPoints = maxPoints;
        });
  }

  public VqVaeConfig withSeed(long s) {
    return edit(c -> c.seed = s);
  }

  public VqVaeConfig withCoClicks(float weight, float temperature) {
    return edit(
        c -> {
          c.coClickWeight = weight;
          c.coClickTemperature = temperature;
        });
  }

  /** A copy with {@code change} applied, checked as any config is. */
  private VqVaeConfig edit(java.util.function.Consumer<Draft> change) {
    Draft d = new Draft(this);
    change.accept(d);
    return new VqVaeConfig(
        d.hiddenSize,
        d.latentSize,
        d.numCodebooks,
        d.codebookSize,
        d.epochs,
        d.warmupEpochs,
        d.batchSize,
        d.learningRate,
        d.beta,
        d.kmeansIterations,
        d.kmeansMaxPoints,
        d.seed,
        d.coClickWeight,
        d.coClickTemperature);
  }

  /** The components, editable: what the {@code with} methods change before the copy is checked. */
  private static final class Draft {
    int hiddenSize;
    int latentSize;
    int numCodebooks;
    int codebookSize;
    int epochs;
    int warmupEpochs;
    int batchSize;
    float learningRate;
    float beta;
    int kmeansIterations;
    int kmeansMaxPoints;
    long seed;
    float coClickWeight;
    float coClickTemperature;

    Draft(VqVaeConfig c) {
      hiddenSize = c.hiddenSize;
      latentSize = c.latentSize;
      numCodebooks = c.numCodebooks;
      codebookSize = c.codebookSize;
      epochs = c.epochs;
      warmupEpochs = c.warmupEpochs;
      batchSize = c.batchSize;
      learningRate = c.learningRate;
      beta = c.beta;
      kmeansIterations = c.kmeansIterations;
      kmeansMaxPoints = c.kmeansMaxPoints;
      seed = c.seed;
      coClickWeight = c.coClickWeight;
      coClickTemperature = c.coClickTemperature;
    }
  }
}
