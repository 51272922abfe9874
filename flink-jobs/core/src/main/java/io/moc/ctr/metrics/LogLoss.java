package io.moc.ctr.metrics;

/**
 * Mean binary cross-entropy of predicted click probabilities, with each probability clipped to
 * [{@link #EPSILON}, 1 - {@link #EPSILON}] so that one confident mistake costs at most about 16
 * nats instead of infinity. The mean of nothing is {@link Double#NaN}.
 */
public final class LogLoss {

  /** The clipping bound, as in common CTR evaluation code (for example scikit-learn's 1e-7). */
  public static final double EPSILON = 1e-7;

  private LogLoss() {}

  public static double of(float[] probabilities, float[] labels) {
    checkLengths(probabilities.length, labels.length);
    double sum = 0;
    for (int i = 0; i < probabilities.length; i++) {
      sum += term(probabilities[i], labels[i]);
    }
    return probabilities.length == 0 ? Double.NaN : sum / probabilities.length;
  }

  public static double of(double[] probabilities, float[] labels) {
    checkLengths(probabilities.length, labels.length);
    double sum = 0;
    for (int i = 0; i < probabilities.length; i++) {
      sum += term(probabilities[i], labels[i]);
    }
    return probabilities.length == 0 ? Double.NaN : sum / probabilities.length;
  }

  /**
   * The loss of one prediction: {@code -(y log p + (1 - y) log(1 - p))} with p clipped.
   *
   * @throws IllegalArgumentException when the probability is NaN or the label is outside [0, 1]
   */
  public static double term(double probability, float label) {
    if (Double.isNaN(probability)) {
      throw new IllegalArgumentException("NaN probability");
    }
    if (!(label >= 0f && label <= 1f)) {
      throw new IllegalArgumentException("label outside [0, 1]: " + label);
    }
    double p = Math.min(Math.max(probability, EPSILON), 1 - EPSILON);
    return -(label * Math.log(p) + (1 - label) * Math.log1p(-p));
  }

  private static void checkLengths(int probabilities, int labels) {
    if (probabilities != labels) {
      throw new IllegalArgumentException(
          probabilities + " probabilities but " + labels + " labels");
    }
  }
}
