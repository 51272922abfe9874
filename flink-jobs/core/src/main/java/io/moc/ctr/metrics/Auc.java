package io.moc.ctr.metrics;

import java.util.Arrays;

/**
 * ROC AUC by the rank statistic (Mann-Whitney U) with average ranks for ties: the probability that
 * a random positive scores above a random negative, plus half the probability that they tie.
 *
 * <p>Labels must be exactly 0 or 1. Without a positive or without a negative the AUC is undefined
 * and is {@link Double#NaN}, so that an empty or one-class window is never mistaken for a score.
 */
public final class Auc {

  private Auc() {}

  public static double of(float[] scores, float[] labels) {
    double[] wide = new double[scores.length];
    for (int i = 0; i < scores.length; i++) {
      wide[i] = scores[i];
    }
    return of(wide, labels);
  }

  /**
   * The AUC of {@code scores} (higher means more likely positive) against {@code labels}, in O(n
   * log n).
   *
   * @throws IllegalArgumentException when the lengths differ, a label is neither 0 nor 1, or a
   *     score is NaN
   */
  public static double of(double[] scores, float[] labels) {
    if (scores.length != labels.length) {
      throw new IllegalArgumentException(
          scores.length + " scores but " + labels.length + " labels");
    }
    int length = scores.length;
    int positives = 0;
    for (int i = 0; i < length; i++) {
      if (isPositive(labels[i])) {
        positives++;
      }
      if (Double.isNaN(scores[i])) {
        throw new IllegalArgumentException("NaN score at " + i);
      }
    }
    int negatives = length - positives;
    if (positives == 0 || negatives == 0) {
      return Double.NaN;
    }
    double[] positiveScores = new double[positives];
    double[] negativeScores = new double[negatives];
    int p = 0;
    int q = 0;
    for (int i = 0; i < length; i++) {
      if (labels[i] == 1f) {
        positiveScores[p++] = scores[i];
      } else {
        negativeScores[q++] = scores[i];
      }
    }
    Arrays.sort(positiveScores);
    Arrays.sort(negativeScores);
    // Walk the distinct scores in increasing order. The positives tied at a score share their
    // average rank, which credits each of them with the negatives below plus half those tied:
    // 2U = sum over scores of tiedPositives * (2 * negativesBelow + tiedNegatives), exact in a
    // long.
    long twiceU = 0;
    int i = 0;
    int j = 0;
    while (i < positives) {
      double score = positiveScores[i];
      while (j < negatives && negativeScores[j] < score) {
        j++;
      }
      int tiedNegatives = 0;
      while (j + tiedNegatives < negatives && negativeScores[j + tiedNegatives] == score) {
        tiedNegatives++;
      }
      int tiedPositives = 0;
      while (i < positives && positiveScores[i] == score) {
        tiedPositives++;
        i++;
      }
      twiceU += (long) tiedPositives * (2L * j + tiedNegatives);
    }
    return twiceU / (2.0 * positives * negatives);
  }

  private static boolean isPositive(float label) {
    if (label == 1f) {
      return true;
    }
    if (label == 0f) {
      return false;
    }
    throw new IllegalArgumentException("AUC labels must be 0 or 1: " + label);
  }
}
