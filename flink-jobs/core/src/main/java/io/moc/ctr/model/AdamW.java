package io.moc.ctr.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * Adam with decoupled weight decay, the same update DJL's {@code AdamW} makes (same engine kernel,
 * same defaults β₁ 0.9, β₂ 0.999, ε 1e-8, same bias correction) but with its state in the open: the
 * step count and one pair of moments per parameter, which a training checkpoint saves and restores.
 * DJL keeps them in private maps, so a restored model would otherwise restart Adam.
 */
final class AdamW {

  static final float BETA1 = 0.9f;
  static final float BETA2 = 0.999f;
  static final float EPSILON = 1e-8f;

  private final float learningRate;
  private final float weightDecay;
  private final NDArray[] means;
  private final NDArray[] variances;
  private long updates;

  AdamW(float learningRate, float weightDecay, int parameters) {
    this.learningRate = learningRate;
    this.weightDecay = weightDecay;
    this.means = new NDArray[parameters];
    this.variances = new NDArray[parameters];
  }

  /** Starts the next step: every parameter is then updated once with {@link #update}. */
  void nextStep() {
    updates++;
  }

  /** Updates parameter {@code index} in place; its moments live in the weight's manager. */
  void update(int index, NDArray weight, NDArray gradient) {
    if (means[index] == null) {
      means[index] = weight.zerosLike();
      variances[index] = weight.zerosLike();
    }
    // Evaluated as DJL's AdamW does, in double from float operands, for the same rounding.
    double coef1 = 1.0 - Math.pow(BETA1, updates);
    double coef2 = 1.0 - Math.pow(BETA2, updates);
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

  /** Steps taken since the moments started from zero (Adam's t). */
  long updates() {
    return updates;
  }

  /** The first and second moments of parameter {@code index}, or null before its first update. */
  float[][] moments(int index) {
    return means[index] == null
        ? null
        : new float[][] {means[index].toFloatArray(), variances[index].toFloatArray()};
  }

  /**
   * Continues from saved state: {@code moments[i]} is parameter i's {@link #moments}, created like
   * its weight; all null with {@code updates} 0 for a fresh start.
   */
  void restore(long updates, NDArray[] weights, float[][][] moments) {
    this.updates = updates;
    for (int i = 0; i < weights.length; i++) {
      if (moments[i] != null) {
        means[i] = weights[i].getManager().create(moments[i][0], weights[i].getShape());
        variances[i] = weights[i].getManager().create(moments[i][1], weights[i].getShape());
      }
    }
  }
}
