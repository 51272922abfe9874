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
  final int dimension;
  final int hidden;
  final int latent;
  final int numCodebooks;
  final int codebookSize;

  /**
   * W1 (D×h), b1, W2 (h×d), b2, V1 (d×h), c1, V2 (h×D), c2, codebooks (M·K×d); null when absent.
   */
  final NDArray[] params = new NDArray[9];

  VqNetwork(boolean residual, int dimension, int hidden, int latent, int m, int k) {
    this.residual = residual;
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
      case W2 -> new Shape(hidden, latent);
      case B2 -> new Shape(latent);
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
    NDArray all = params[CODEBOOKS];
    NDArray codes = distances(z, all).reshape(batch, numCodebooks, codebookSize).argMin(2); // B × M
    // One-hot products pick the chosen vectors exactly and keep the gradient a plain matmul.
    NDArray oneHot = codes.oneHot(codebookSize).transpose(1, 0, 2); // M × B × K
    NDArray q = oneHot.matMul(all.reshape(numCodebooks, codebookSize, latent)); // M × B × d
    NDArray target = z.stopGradient().expandDims(0);
    NDArray codebookLoss = q.sub(target).square().mean();
    NDArray commitment = z.expandDims(0).sub(q.stopGradient()).square().mean();
    NDArray zq = z.add(q.mean(new int[] {0}).sub(z).stopGradient());
    NDArray targets = target.broadcast(numCodebooks, batch, latent);
    return new NDList(zq, codes, codebookLoss, commitment, targets);
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
