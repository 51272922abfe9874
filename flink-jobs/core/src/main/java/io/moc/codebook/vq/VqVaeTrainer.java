package io.moc.codebook.vq;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import io.moc.codebook.CodebookTrainer;
import io.moc.codebook.KMeans;
import io.moc.optim.AdamW;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;

/**
 * Trains VQ-VAE quantizers with DJL's PyTorch engine:
 *
 * <ul>
 *   <li>{@code moc}, the Mixture-of-Codes multi-codebook VQ-VAE: encoder MLP D → h → d, M codebooks
 *       of K vectors that each quantize z independently and in parallel, one decoder d → h → D that
 *       reconstructs the (normalised) input from the mean of the M chosen vectors;
 *   <li>{@code moc-heads}, the same with one latent head per codebook: the encoder's last layer
 *       maps h → M·d and codebook m quantizes its own z_m, the decoder reads the mean of the chosen
 *       vectors. With one shared z every codebook runs k-means on the same points and they end up
 *       with similar partitions; separate heads give each codebook its own view;
 *   <li>{@code rqvae}, its residual baseline: level m quantizes z minus the vectors chosen before
 *       it, the decoder reads their sum.
 * </ul>
 *
 * <p>Loss: reconstruction MSE + codebook loss ||sg(t) − q||² + β · commitment ||t − sg(q)||², with
 * t = z (moc) or the level's residual (rqvae), both averaged over codebooks; straight-through
 * gradients z + sg(q̄ − z) into the encoder; with co-click pairs, + λ · a contrastive term on their
 * latents (from the first epoch on). Inputs are standardised with the training sample's mean and
 * standard deviation. After {@code warmupEpochs} of plain auto-encoder training, every codebook is
 * initialised by k-means on encoder outputs (for moc each codebook on its own random subsample and
 * seeding; for rqvae level by level on the residuals). After every epoch, codes that no item chose
 * in it are re-seeded to random encoder outputs (targets) of training items. Adam, hand-written on
 * NDArrays. Deterministic for a seed on a given machine and thread count.
 */
public final class VqVaeTrainer implements CodebookTrainer {

  /** The DJL engine, named explicitly everywhere: several engines are on the class path. */
  public static final String ENGINE = "PyTorch";

  private final String method;
  private final VqVaeConfig config;

  private VqVaeTrainer(String method, VqVaeConfig config) {
    this.method = method;
    this.config = config;
  }

  /**
   * @param method one of {@link VqCodebook#METHODS}
   * @throws IllegalArgumentException for another method
   */
  public static VqVaeTrainer create(String method, VqVaeConfig config) {
    if (!VqCodebook.METHODS.contains(method)) {
      throw new IllegalArgumentException(
          "unknown VQ-VAE method " + method + "; known: " + VqCodebook.METHODS);
    }
    return new VqVaeTrainer(method, config);
  }

  public static VqVaeTrainer moc(VqVaeConfig config) {
    return create(VqCodebook.MOC, config);
  }

  public static VqVaeTrainer rqvae(VqVaeConfig config) {
    return create(VqCodebook.RQVAE, config);
  }

  @Override
  public String method() {
    return method;
  }

  public VqVaeConfig config() {
    return config;
  }

  /**
   * A trained codebook and how training went.
   *
   * @param reconstructionLoss mean reconstruction MSE (normalised input space) per epoch, warm-up
   *     epochs first
   * @param totalLoss mean training loss per epoch (reconstruction only during warm-up)
   * @param deadCodes codes re-seeded after each quantization epoch, summed over codebooks
   * @param trainingCodes the codes the trained DJL model gives every training item (n × M)
   * @param seconds wall-clock training time
   */
  public record Result(
      VqCodebook codebook,
      double[] reconstructionLoss,
      double[] totalLoss,
      int[] deadCodes,
      int[][] trainingCodes,
      double seconds) {}

  @Override
  public VqCodebook train(String embeddingModel, List<float[]> sample) {
    return fit(embeddingModel, sample).codebook();
  }

  /**
   * Trains and reports the loss history and the DJL model's own codes of the sample. Any thread may
   * call it: PyTorch's grad mode is per thread, on by default in a new one, and the optimiser's
   * in-place updates need it off outside the gradient collector.
   */
  public Result fit(String embeddingModel, List<float[]> sample) {
    return fit(embeddingModel, sample, new int[0][]);
  }

  /**
   * As {@link #fit(String, List)}, with the co-click term ({@link VqVaeConfig#coClickWeight()})
   * over {@code coClicks}: every step also draws a batch of these pairs and pulls each pair's
   * latents together against the batch's other pairs (symmetric InfoNCE on cosine similarities).
   * The text still decides the codes of an item no one has clicked, but through an encoder that has
   * learned which texts users click together.
   *
   * @param coClicks pairs {a, b} of indices into {@code sample}; ignored at weight 0
   */
  public Result fit(String embeddingModel, List<float[]> sample, int[][] coClicks) {
    Engine.getEngine(ENGINE);
    boolean gradMode = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try {
      return fitWithoutGrad(embeddingModel, sample, coClicks);
    } finally {
      JniUtils.setGradMode(gradMode);
    }
  }

  private Result fitWithoutGrad(String embeddingModel, List<float[]> sample, int[][] coClicks) {
    long start = System.nanoTime();
    if (sample.isEmpty()) {
      throw new IllegalArgumentException("no embeddings to train on");
    }
    int dim = sample.get(0).length;
    int n = sample.size();
    for (int[] pair : coClicks) {
      if (pair.length != 2 || pair[0] < 0 || pair[0] >= n || pair[1] < 0 || pair[1] >= n) {
        throw new IllegalArgumentException("a co-click pair must be two indices into the sample");
      }
    }
    int[] pairOrder =
        config.coClickWeight() > 0 && coClicks.length > 0 ? identity(coClicks.length) : null;
    int pairCursor = 0;
    for (float[] x : sample) {
      if (x.length != dim) {
        throw new IllegalArgumentException("embeddings have different dimensions");
      }
      for (float v : x) {
        if (!Float.isFinite(v)) {
          throw new IllegalArgumentException("embeddings contain NaN or infinite values");
        }
      }
    }
    float[] mean = new float[dim];
    float[] std = new float[dim];
    moments(sample, mean, std);
    float[] data = new float[n * dim];
    for (int i = 0; i < n; i++) {
      float[] x = sample.get(i);
      for (int j = 0; j < dim; j++) {
        data[i * dim + j] = (x[j] - mean[j]) / std[j];
      }
    }

    Random random = new Random(config.seed());
    Engine engine = Engine.getEngine(ENGINE);
    engine.setRandomSeed((int) config.seed());
    int m = config.numCodebooks();
    int k = config.codebookSize();
    int h = config.hiddenSize();
    int d = config.latentSize();
    int epochs = config.warmupEpochs() + config.epochs();
    double[] recon = new double[epochs];
    double[] total = new double[epochs];
    int[] dead = new int[config.epochs()];
    try (NDManager manager = NDManager.newBaseManager(ENGINE)) {
      int heads = VqCodebook.MOC_HEADS.equals(method) ? m : 1;
      VqNetwork net = new VqNetwork(VqCodebook.RQVAE.equals(method), heads, dim, h, d, m, k);
      net.set(manager, VqNetwork.W1, glorot(dim, h, random), true);
      net.set(manager, VqNetwork.B1, new float[h], true);
      net.set(manager, VqNetwork.W2, glorot(h, heads * d, random), true);
      net.set(manager, VqNetwork.B2, new float[heads * d], true);
      net.set(manager, VqNetwork.V1, glorot(d, h, random), true);
      net.set(manager, VqNetwork.C1, new float[h], true);
      net.set(manager, VqNetwork.V2, glorot(h, dim, random), true);
      net.set(manager, VqNetwork.C2, new float[dim], true);
      AdamW adam = new AdamW(config.learningRate(), 0f, VqNetwork.CODEBOOKS + 1);
      int[] order = identity(n);
      for (int epoch = 0; epoch < epochs; epoch++) {
        boolean quantize = epoch >= config.warmupEpochs();
        if (quantize && net.params[VqNetwork.CODEBOOKS] == null) {
          net.set(manager, VqNetwork.CODEBOOKS, initialCodebooks(manager, net, data, random), true);
        }
        shuffle(order, random);
        long[][] counts = new long[m][k];
        double reconSum = 0;
        double totalSum = 0;
        for (int from = 0; from < n; from += config.batchSize()) {
          if (Thread.currentThread().isInterrupted()) {
            // The job that wanted this codebook is gone (a worker thread shut down).
            throw new CancellationException("codebook training interrupted");
          }
          int to = Math.min(n, from + config.batchSize());
          int[][] pairs = null;
          if (pairOrder != null) {
            // Pairs are drawn in a shuffled order of their own, reshuffled at every wrap.
            pairs = new int[Math.min(config.batchSize(), coClicks.length)][];
            for (int p = 0; p < pairs.length; p++) {
              if (pairCursor == 0) {
                shuffle(pairOrder, random);
              }
              pairs[p] = coClicks[pairOrder[pairCursor]];
              pairCursor = (pairCursor + 1) % pairOrder.length;
            }
          }
          double[] losses =
              step(engine, manager, net, adam, data, order, from, to, quantize, counts, pairs);
          reconSum += losses[0] * (to - from);
          totalSum += losses[1] * (to - from);
        }
        recon[epoch] = reconSum / n;
        total[epoch] = totalSum / n;
        if (quantize) {
          dead[epoch - config.warmupEpochs()] = reseed(manager, net, adam, data, counts, random);
        }
      }
      if (net.params[VqNetwork.CODEBOOKS] == null) {
        net.set(manager, VqNetwork.CODEBOOKS, initialCodebooks(manager, net, data, random), true);
      }
      repairDeadCodes(manager, net, data, random);
      float[][] codebooks = new float[m][];
      float[] all = net.params[VqNetwork.CODEBOOKS].toFloatArray();
      for (int c = 0; c < m; c++) {
        codebooks[c] = java.util.Arrays.copyOfRange(all, c * k * d, (c + 1) * k * d);
      }
      VqCodebook codebook =
          new VqCodebook(
              method,
              embeddingModel,
              k,
              mean,
              std,
              net.params[VqNetwork.W1].toFloatArray(),
              net.params[VqNetwork.B1].toFloatArray(),
              net.params[VqNetwork.W2].toFloatArray(),
              net.params[VqNetwork.B2].toFloatArray(),
              codebooks);
      int[][] trainingCodes = codes(manager, net, sample, mean, std, config.batchSize());
      return new Result(
          codebook, recon, total, dead, trainingCodes, (System.nanoTime() - start) / 1e9);
    }
  }

  /**
   * The codes that the DJL model with {@code codebook}'s weights gives {@code embeddings}: the same
   * operations as in training (normalisation, encoder, argmin over ||c||² − 2 z·c, residuals for
   * rqvae), in float32 on the PyTorch engine. For cross-checking the plain-Java assignment.
   */
  public static int[][] djlCodes(VqCodebook codebook, List<float[]> embeddings) {
    try (NDManager manager = NDManager.newBaseManager(ENGINE)) {
      VqNetwork net =
          new VqNetwork(
              codebook.residual(),
              codebook.heads(),
              codebook.dimension(),
              codebook.hiddenSize(),
              codebook.latentSize(),
              codebook.numCodebooks(),
              codebook.codebookSize());
      net.set(manager, VqNetwork.W1, codebook.w1(), false);
      net.set(manager, VqNetwork.B1, codebook.b1(), false);
      net.set(manager, VqNetwork.W2, codebook.w2(), false);
      net.set(manager, VqNetwork.B2, codebook.b2(), false);
      int k = codebook.codebookSize();
      int d = codebook.latentSize();
      float[] all = new float[codebook.numCodebooks() * k * d];
      for (int m = 0; m < codebook.numCodebooks(); m++) {
        System.arraycopy(codebook.codebook(m), 0, all, m * k * d, k * d);
      }
      net.set(manager, VqNetwork.CODEBOOKS, all, false);
      return codes(manager, net, embeddings, codebook.mean(), codebook.std(), 1024);
    }
  }

  private static int[][] codes(
      NDManager manager,
      VqNetwork net,
      List<float[]> embeddings,
      float[] mean,
      float[] std,
      int batchSize) {
    int n = embeddings.size();
    int dim = net.dimension;
    int[][] codes = new int[n][];
    for (int from = 0; from < n; from += batchSize) {
      int to = Math.min(n, from + batchSize);
      float[] batch = new float[(to - from) * dim];
      for (int i = from; i < to; i++) {
        float[] x = embeddings.get(i);
        if (x.length != dim) {
          throw new IllegalArgumentException("embedding has the wrong dimension");
        }
        System.arraycopy(x, 0, batch, (i - from) * dim, dim);
      }
      try (NDManager step = manager.newSubManager()) {
        step.tempAttachAll(nonNull(net.params));
        NDArray x = step.create(batch, new Shape(to - from, dim));
        NDArray normalised = x.sub(step.create(mean)).div(step.create(std));
        long[] flat = net.quantize(net.encode(normalised)).get(1).toLongArray();
        int m = net.numCodebooks;
        for (int i = from; i < to; i++) {
          int[] c = new int[m];
          for (int j = 0; j < m; j++) {
            c[j] = (int) flat[(i - from) * m + j];
          }
          codes[i] = c;
        }
      }
    }
    return codes;
  }

  /**
   * One optimisation step on the items order[from, to), and on the co-click {@code pairs} when not
   * null; returns {reconstruction, total} loss.
   */
  private double[] step(
      Engine engine,
      NDManager manager,
      VqNetwork net,
      AdamW adam,
      float[] data,
      int[] order,
      int from,
      int to,
      boolean quantize,
      long[][] counts,
      int[][] pairs) {
    int dim = net.dimension;
    float[] batch = new float[(to - from) * dim];
    for (int i = from; i < to; i++) {
      System.arraycopy(data, order[i] * dim, batch, (i - from) * dim, dim);
    }
    int count = quantize ? VqNetwork.CODEBOOKS + 1 : VqNetwork.CODEBOOKS;
    adam.ensureMoments(manager, net.params, count);
    try (NDManager step = manager.newSubManager()) {
      step.tempAttachAll(nonNull(net.params));
      step.tempAttachAll(adam.moments());
      NDArray x = step.create(batch, new Shape(to - from, dim));
      NDArray codes = null;
      double recon;
      double total;
      try (GradientCollector collector = engine.newGradientCollector()) {
        NDArray z = net.encode(x);
        NDArray reconstruction;
        NDArray loss;
        if (quantize) {
          NDList q = net.quantize(z);
          codes = q.get(1);
          reconstruction = net.decode(q.get(0)).sub(x).square().mean();
          loss = reconstruction.add(q.get(2)).add(q.get(3).mul(config.beta()));
        } else {
          reconstruction = net.decode(net.pool(z)).sub(x).square().mean();
          loss = reconstruction;
        }
        if (pairs != null) {
          loss = loss.add(coClickLoss(step, net, data, pairs).mul(config.coClickWeight()));
        }
        collector.backward(loss);
        recon = reconstruction.getFloat();
        total = loss.getFloat();
      }
      for (int i = 0; i < count; i++) {
        NDArray gradient = net.params[i].getGradient();
        adam.update(i, net.params[i], gradient);
        // PyTorch accumulates gradients across backward passes.
        gradient.muli(0f);
      }
      if (codes != null) {
        long[] flat = codes.toLongArray();
        int m = net.numCodebooks;
        for (int i = 0; i < flat.length; i++) {
          counts[i % m][(int) flat[i]]++;
        }
      }
      return new double[] {recon, total};
    }
  }

  /**
   * Symmetric InfoNCE over a batch of co-clicked pairs: each item's (pooled, unit-length) latent
   * should be nearer its own partner's than any other pair's partner's.
   */
  private NDArray coClickLoss(NDManager step, VqNetwork net, float[] data, int[][] pairs) {
    int dim = net.dimension;
    int p = pairs.length;
    int[] left = new int[p];
    int[] right = new int[p];
    for (int i = 0; i < p; i++) {
      left[i] = pairs[i][0];
      right[i] = pairs[i][1];
    }
    NDArray a = unit(net.pool(net.encode(step.create(rows(data, left, dim), new Shape(p, dim)))));
    NDArray b = unit(net.pool(net.encode(step.create(rows(data, right, dim), new Shape(p, dim)))));
    NDArray logits = a.matMul(b.transpose()).div(config.coClickTemperature());
    NDArray diagonal = step.eye(p);
    NDArray leftToRight = logits.logSoftmax(1).mul(diagonal).sum();
    NDArray rightToLeft = logits.logSoftmax(0).mul(diagonal).sum();
    return leftToRight.add(rightToLeft).div(-2f * p);
  }

  private static NDArray unit(NDArray z) {
    return z.div(z.square().sum(new int[] {1}, true).add(1e-12f).sqrt());
  }

  private static int[] identity(int n) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    return order;
  }

  /** Latents (or rqvae residuals, level by level) of random items, clustered by k-means. */
  private float[] initialCodebooks(NDManager manager, VqNetwork net, float[] data, Random random) {
    int n = data.length / net.dimension;
    int m = net.numCodebooks;
    int k = net.codebookSize;
    int d = net.latent;
    float[] codebooks = new float[m * k * d];
    int points = Math.min(n, config.kmeansMaxPoints());
    float[] latents = null;
    for (int level = 0; level < m; level++) {
      if (latents == null || !net.residual) {
        latents = latents(manager, net, data, sampleIndices(n, points, random));
        if (net.heads > 1) {
          latents = columns(latents, points, net.heads * d, level * d, d);
        }
      }
      float[] centroids = KMeans.fit(latents, points, d, k, config.kmeansIterations(), random);
      System.arraycopy(centroids, 0, codebooks, level * k * d, k * d);
      if (net.residual) {
        for (int i = 0; i < points; i++) {
          int c = KMeans.nearest(centroids, k, d, latents, i * d);
          for (int j = 0; j < d; j++) {
            latents[i * d + j] -= centroids[c * d + j];
          }
        }
      }
    }
    return codebooks;
  }

  private static int[] sampleIndices(int n, int count, Random random) {
    int[] all = identity(n);
    // Partial Fisher-Yates: the first count entries are a uniform sample without replacement.
    for (int i = 0; i < count; i++) {
      int j = i + random.nextInt(n - i);
      int t = all[i];
      all[i] = all[j];
      all[j] = t;
    }
    return java.util.Arrays.copyOf(all, count);
  }

  /** The given rows of row-major {@code data}, row-major. */
  private static float[] rows(float[] data, int[] items, int dim) {
    float[] batch = new float[items.length * dim];
    for (int i = 0; i < items.length; i++) {
      System.arraycopy(data, items[i] * dim, batch, i * dim, dim);
    }
    return batch;
  }

  /** Columns [from, from + width) of a row-major matrix with {@code cols} columns. */
  private static float[] columns(float[] matrix, int rows, int cols, int from, int width) {
    float[] out = new float[rows * width];
    for (int r = 0; r < rows; r++) {
      System.arraycopy(matrix, r * cols + from, out, r * width, width);
    }
    return out;
  }

  /** Encoder outputs of the given items, row-major. */
  private static float[] latents(NDManager manager, VqNetwork net, float[] data, int[] items) {
    int dim = net.dimension;
    try (NDManager step = manager.newSubManager()) {
      step.tempAttachAll(nonNull(net.params));
      return net.encode(step.create(rows(data, items, dim), new Shape(items.length, dim)))
          .toFloatArray();
    }
  }

  /**
   * Moves every code that no item chose in the last epoch onto the target (z, or the level's
   * residual) of a random training item, and clears its optimizer state.
   *
   * @return the number of codes re-seeded
   */
  private int reseed(
      NDManager manager, VqNetwork net, AdamW adam, float[] data, long[][] counts, Random random) {
    int m = net.numCodebooks;
    int k = net.codebookSize;
    int d = net.latent;
    List<Integer> rows = new ArrayList<>();
    for (int level = 0; level < m; level++) {
      for (int c = 0; c < k; c++) {
        if (counts[level][c] == 0) {
          rows.add(level * k + c);
        }
      }
    }
    if (rows.isEmpty()) {
      return 0;
    }
    int n = data.length / net.dimension;
    int[] items = sampleIndices(n, Math.min(n, rows.size()), random);
    float[] targets;
    int dim = net.dimension;
    try (NDManager step = manager.newSubManager()) {
      step.tempAttachAll(nonNull(net.params));
      NDArray x = step.create(rows(data, items, dim), new Shape(items.length, dim));
      targets = net.quantize(net.encode(x)).get(4).toFloatArray(); // M × B × d
    }
    float[] codebooks = net.params[VqNetwork.CODEBOOKS].toFloatArray();
    for (int r = 0; r < rows.size(); r++) {
      int row = rows.get(r);
      int level = row / k;
      int item = r % items.length;
      System.arraycopy(targets, (level * items.length + item) * d, codebooks, row * d, d);
    }
    net.set(manager, VqNetwork.CODEBOOKS, codebooks, true);
    adam.clearRows(manager, VqNetwork.CODEBOOKS, rows, d);
    return rows.size();
  }

  /**
   * After training: every code that no training item chooses under the final model is moved onto
   * the target of an item whose code it shares with others, so that the item switches to it and no
   * other code loses its last item. Level by level, as a level's choices change later residuals.
   */
  private static void repairDeadCodes(
      NDManager manager, VqNetwork net, float[] data, Random random) {
    int n = data.length / net.dimension;
    int m = net.numCodebooks;
    int k = net.codebookSize;
    int d = net.latent;
    float[] codebooks = null;
    for (int level = 0; level < m; level++) {
      if (codebooks != null && !net.residual) {
        break; // moc: the first pass saw every codebook's final choices
      }
      int[][] codes = new int[n][];
      float[][] targets = new float[m][n * d];
      forward(manager, net, data, codes, targets);
      codebooks = net.params[VqNetwork.CODEBOOKS].toFloatArray();
      boolean changed = false;
      for (int c = net.residual ? level : 0; c < (net.residual ? level + 1 : m); c++) {
        int[] counts = new int[k];
        for (int[] item : codes) {
          counts[item[c]]++;
        }
        int[] order = sampleIndices(n, n, random);
        int next = 0;
        for (int code = 0; code < k; code++) {
          if (counts[code] > 0) {
            continue;
          }
          while (next < n && counts[codes[order[next]][c]] < 2) {
            next++;
          }
          if (next == n) {
            break; // fewer distinct items than codes
          }
          int item = order[next++];
          counts[codes[item][c]]--;
          counts[code]++;
          System.arraycopy(targets[c], item * d, codebooks, (c * k + code) * d, d);
          changed = true;
        }
      }
      if (changed) {
        net.set(manager, VqNetwork.CODEBOOKS, codebooks, true);
      }
    }
  }

  /** Codes (n × M) and per-codebook targets (M arrays of n × d) of all items under {@code net}. */
  private static void forward(
      NDManager manager, VqNetwork net, float[] data, int[][] codes, float[][] targets) {
    int dim = net.dimension;
    int n = data.length / dim;
    int m = net.numCodebooks;
    int d = net.latent;
    int batchSize = 1024;
    for (int from = 0; from < n; from += batchSize) {
      int to = Math.min(n, from + batchSize);
      int b = to - from;
      try (NDManager step = manager.newSubManager()) {
        step.tempAttachAll(nonNull(net.params));
        float[] batch = java.util.Arrays.copyOfRange(data, from * dim, to * dim);
        NDList q = net.quantize(net.encode(step.create(batch, new Shape(b, dim))));
        long[] flat = q.get(1).toLongArray();
        float[] t = q.get(4).toFloatArray(); // M × b × d
        for (int i = 0; i < b; i++) {
          int[] c = new int[m];
          for (int j = 0; j < m; j++) {
            c[j] = (int) flat[i * m + j];
          }
          codes[from + i] = c;
        }
        for (int level = 0; level < m; level++) {
          System.arraycopy(t, level * b * d, targets[level], from * d, b * d);
        }
      }
    }
  }

  private static NDArray[] nonNull(NDArray[] arrays) {
    return java.util.Arrays.stream(arrays)
        .filter(java.util.Objects::nonNull)
        .toArray(NDArray[]::new);
  }

  private static void moments(List<float[]> sample, float[] mean, float[] std) {
    int dim = mean.length;
    double[] sum = new double[dim];
    for (float[] x : sample) {
      for (int j = 0; j < dim; j++) {
        sum[j] += x[j];
      }
    }
    double[] mu = new double[dim];
    for (int j = 0; j < dim; j++) {
      mu[j] = sum[j] / sample.size();
      mean[j] = (float) mu[j];
    }
    double[] squares = new double[dim];
    for (float[] x : sample) {
      for (int j = 0; j < dim; j++) {
        double diff = x[j] - mu[j];
        squares[j] += diff * diff;
      }
    }
    for (int j = 0; j < dim; j++) {
      float s = (float) Math.sqrt(squares[j] / sample.size());
      // A constant dimension is left unscaled rather than divided by zero.
      std[j] = s > 1e-6f ? s : 1f;
    }
  }

  private static float[] glorot(int in, int out, Random random) {
    double bound = Math.sqrt(6.0 / (in + out));
    float[] w = new float[in * out];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
    }
    return w;
  }

  private static void shuffle(int[] order, Random random) {
    for (int i = order.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
  }
}
