package io.moc.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Adam with decoupled weight decay (plain Adam at weight decay 0), the same update DJL's {@code
 * AdamW} makes (same engine kernel, same defaults β₁ 0.9, β₂ 0.999, ε 1e-8, same bias correction)
 * but with its state in the open: a step count and one pair of moments per parameter, which a
 * training checkpoint saves and restores, and whose rows a trainer can reset. DJL keeps them in
 * private maps, so a restored model would otherwise restart Adam. The CTR models and the VQ-VAE
 * codebook trainer both train with it.
 */
public final class AdamW {

  public static final float BETA1 = 0.9f;
  public static final float BETA2 = 0.999f;
  public static final float EPSILON = 1e-8f;

  private final float learningRate;
  private final float weightDecay;
  private final NDArray[] means;
  private final NDArray[] variances;
  // Per parameter: a parameter that joins training late (the VQ-VAE's codebooks after warm-up)
  // starts its bias correction from its own first step.
  private final long[] steps;

  public AdamW(float learningRate, float weightDecay, int parameters) {
    this.learningRate = learningRate;
    this.weightDecay = weightDecay;
    this.means = new NDArray[parameters];
    this.variances = new NDArray[parameters];
    this.steps = new long[parameters];
  }

  /**
   * Creates the moments of {@code weights[0, count)} that do not exist yet in {@code manager}, for
   * a trainer whose weights live in a shorter-lived manager during a step.
   */
  public void ensureMoments(NDManager manager, NDArray[] weights, int count) {
    for (int i = 0; i < count; i++) {
      if (means[i] == null) {
        means[i] = manager.zeros(weights[i].getShape());
        variances[i] = manager.zeros(weights[i].getShape());
      }
    }
  }

  /** Every moment that exists, to attach to a step's manager with the weights. */
  public NDArray[] moments() {
    List<NDArray> all = new ArrayList<>();
    for (int i = 0; i < means.length; i++) {
      if (means[i] != null) {
        all.add(means[i]);
        all.add(variances[i]);
      }
    }
    return all.toArray(NDArray[]::new);
  }

  /**
   * One step of parameter {@code index}, in place; its moments are created in the weight's manager
   * unless {@link #ensureMoments} made them. The caller clears the gradient (PyTorch accumulates).
   */
  public void update(int index, NDArray weight, NDArray gradient) {
    if (means[index] == null) {
      means[index] = weight.zerosLike();
      variances[index] = weight.zerosLike();
    }
    long t = ++steps[index];
    // Evaluated as DJL's AdamW does, in double from float operands, for the same rounding.
    double coef1 = 1.0 - Math.pow(BETA1, t);
    double coef2 = 1.0 - Math.pow(BETA2, t);
    float corrected = (float) (learningRate * Math.sqrt(coef2) / coef1);
    weight
        .getNDArrayInternal()
        .adamUpdate(
            new NDList(weight, gradient, means[index], variances[index]),
            new NDList(weight),
            learningRate,
            corrected,
            weightDecay,
            1f,
            -1f,
            BETA1,
            BETA2,
            EPSILON,
            true,
            true);
  }

  /** The most steps any parameter has taken since its moments started from zero (Adam's t). */
  public long updates() {
    return Arrays.stream(steps).max().orElse(0);
  }

  /** The first and second moments of parameter {@code index}, or null before its first update. */
  public float[][] moments(int index) {
    return means[index] == null
        ? null
        : new float[][] {means[index].toFloatArray(), variances[index].toFloatArray()};
  }

  /** Zeroes the moments of the given rows (of {@code width} values) of parameter {@code index}. */
  public void clearRows(NDManager manager, int index, List<Integer> rows, int width) {
    if (means[index] == null) {
      return;
    }
    means[index] = cleared(manager, means[index], rows, width);
    variances[index] = cleared(manager, variances[index], rows, width);
  }

  private static NDArray cleared(NDManager manager, NDArray moment, List<Integer> rows, int width) {
    float[] values = moment.toFloatArray();
    for (int row : rows) {
      Arrays.fill(values, row * width, (row + 1) * width, 0f);
    }
    NDArray replacement = manager.create(values, moment.getShape());
    moment.close();
    return replacement;
  }

  /**
   * Continues from saved state: {@code moments[i]} is parameter i's {@link #moments(int)}, created
   * like its weight; all null with {@code updates} 0 for a fresh start. Every parameter with
   * moments continues at step {@code updates} (a model that updates all of them every step).
   */
  public void restore(long updates, NDArray[] weights, float[][][] moments) {
    for (int i = 0; i < weights.length; i++) {
      if (moments[i] != null) {
        means[i] = weights[i].getManager().create(moments[i][0], weights[i].getShape());
        variances[i] = weights[i].getManager().create(moments[i][1], weights[i].getShape());
        steps[i] = updates;
      }
    }
  }
}
