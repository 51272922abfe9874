package io.moc.codebook.vq;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;

/**
 * The VQ-VAE as DJL arrays: encoder, M codebooks, decoder. Shared by training and by the DJL
 * cross-check of the plain-Java assignment, so both run the very same operations. Parameters live
 * in the manager given at construction; callers temporarily attach them to a per-step manager
 * ({@link NDManager#tempAttachAll}) so that every intermediate is freed with the step.
 */
final class VqNetwork {

  /** Index of each parameter in {@link #params}. */
  static final int W1 = 0;

  static final int B1 = 1;
  static final int W2 = 2;
  static final int B2 = 3;
  static final int V1 = 4;
  static final int C1 = 5;
  static final int V2 = 6;
  static final int C2 = 7;
  static final int CODEBOOKS = 8;

  final boolean residual;

  /** Latent heads: 1 (one z for every codebook), or M (moc-heads: codebook m quantizes z_m). */
  final int heads;

  final int dimension;
  final int hidden;
  final int latent;
  final int numCodebooks;
  final int codebookSize;

  /**
   * W1 (D×h), b1, W2 (h×heads·d), b2, V1 (d×h), c1, V2 (h×D), c2, codebooks (M·K×d); null when
   * absent.
   */
  final NDArray[] params = new NDArray[9];

  VqNetwork(boolean residual, int heads, int dimension, int hidden, int latent, int m, int k) {
    if (heads != 1 && (residual || heads != m)) {
      throw new IllegalArgumentException("one latent head, or one per parallel codebook");
    }
    this.residual = residual;
    this.heads = heads;
    this.dimension = dimension;
    this.hidden = hidden;
    this.latent = latent;
    this.numCodebooks = m;
    this.codebookSize = k;
  }

  /** The shape of parameter {@code index}. */
  Shape shape(int index) {
    return switch (index) {
      case W1 -> new Shape(dimension, hidden);
      case B1, C1 -> new Shape(hidden);
      case W2 -> new Shape(hidden, (long) heads * latent);
      case B2 -> new Shape((long) heads * latent);
      case V1 -> new Shape(latent, hidden);
      case V2 -> new Shape(hidden, dimension);
      case C2 -> new Shape(dimension);
      case CODEBOOKS -> new Shape((long) numCodebooks * codebookSize, latent);
      default -> throw new IllegalArgumentException("no parameter " + index);
    };
  }

  /** Sets parameter {@code index} to a new array holding {@code values}, closing the old one. */
  void set(NDManager manager, int index, float[] values, boolean trainable) {
    NDArray array = manager.create(values, shape(index));
    if (trainable) {
      array.setRequiresGradient(true);
    }
    if (params[index] != null) {
      params[index].close();
    }
    params[index] = array;
  }

  NDArray encode(NDArray x) {
    NDArray h = Activation.relu(x.matMul(params[W1]).add(params[B1]));
    return h.matMul(params[W2]).add(params[B2]);
  }

  /** The decoder's input without quantization (warm-up): z, or the mean of the heads' z_m. */
  NDArray pool(NDArray z) {
    return heads == 1 ? z : z.reshape(z.getShape().get(0), heads, latent).mean(new int[] {1});
  }

  NDArray decode(NDArray zq) {
    NDArray h = Activation.relu(zq.matMul(params[V1]).add(params[C1]));
    return h.matMul(params[V2]).add(params[C2]);
  }

  /**
   * Quantizes a batch of latents z (B × d).
   *
   * @return decoder input with straight-through gradients (B × d), codes (B × M, int64), codebook
   *     loss, commitment loss (both averaged over codebooks), and the targets each codebook
   *     quantized (M × B × d, no gradient: z for moc, the level's residual for rqvae)
   */
  NDList quantize(NDArray z) {
    return residual ? quantizeResidual(z) : quantizeParallel(z);
  }

  /** Squared distances up to the per-row constant ||target||²: ||c||² − 2 target·c. */
  private static NDArray distances(NDArray target, NDArray codes) {
    NDArray t = target.stopGradient();
    NDArray c = codes.stopGradient();
    NDArray norms = c.square().sum(new int[] {1});
    return norms.sub(t.matMul(c.transpose()).mul(2f));
  }

  private NDList quantizeParallel(NDArray z) {
    long batch = z.getShape().get(0);
    // Codebook m's target: z itself for every codebook, or its own head z_m. M × B × d.
    NDArray targets =
        heads == 1
            ? z.expandDims(0).broadcast(numCodebooks, batch, latent)
            : z.reshape(batch, numCodebooks, latent).transpose(1, 0, 2);
    NDArray books = params[CODEBOOKS].reshape(numCodebooks, codebookSize, latent); // M × K × d
    NDArray t = targets.stopGradient();
    NDArray c = books.stopGradient();
    NDArray scores =
        c.square()
            .sum(new int[] {2})
            .expandDims(1)
            .sub(t.matMul(c.transpose(0, 2, 1)).mul(2f)); // M × B × K, ||c||² − 2 t·c
    NDArray chosen = scores.argMin(2); // M × B
    // One-hot products pick the chosen vectors exactly and keep the gradient a plain matmul.
    NDArray q = chosen.oneHot(codebookSize).matMul(books); // M × B × d
    NDArray codebookLoss = q.sub(t).square().mean();
    NDArray commitment = targets.sub(q.stopGradient()).square().mean();
    NDArray zMean = targets.mean(new int[] {0});
    NDArray zq = zMean.add(q.mean(new int[] {0}).sub(zMean).stopGradient());
    return new NDList(zq, chosen.transpose(), codebookLoss, commitment, t);
  }

  private NDList quantizeResidual(NDArray z) {
    NDArray all = params[CODEBOOKS].reshape(numCodebooks, codebookSize, latent);
    NDArray residual = z;
    NDArray sum = null;
    NDArray codebookLoss = null;
    NDArray commitment = null;
    NDList codes = new NDList(numCodebooks);
    NDList targets = new NDList(numCodebooks);
    for (int m = 0; m < numCodebooks; m++) {
      NDArray level = all.get(m); // K × d
      NDArray code = distances(residual, level).argMin(1); // B
      NDArray q = code.oneHot(codebookSize).matMul(level); // B × d
      NDArray target = residual.stopGradient();
      NDArray cl = q.sub(target).square().mean();
      NDArray co = residual.sub(q.stopGradient()).square().mean();
      codebookLoss = codebookLoss == null ? cl : codebookLoss.add(cl);
      commitment = commitment == null ? co : commitment.add(co);
      sum = sum == null ? q : sum.add(q);
      codes.add(code);
      targets.add(target);
      residual = residual.sub(q.stopGradient());
    }
    NDArray zq = z.add(sum.sub(z).stopGradient());
    return new NDList(
        zq,
        NDArrays.stack(codes, 1),
        codebookLoss.div(numCodebooks),
        commitment.div(numCodebooks),
        NDArrays.stack(targets, 0));
  }
}
