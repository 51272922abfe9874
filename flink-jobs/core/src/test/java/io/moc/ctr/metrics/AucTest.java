package io.moc.ctr.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AucTest {

  /** P(positive scores above negative) + P(tie) / 2, over every pair. */
  static double pairwiseAuc(double[] scores, float[] labels) {
    double credit = 0;
    long pairs = 0;
    for (int i = 0; i < scores.length; i++) {
      if (labels[i] != 1f) {
        continue;
      }
      for (int j = 0; j < scores.length; j++) {
        if (labels[j] != 0f) {
          continue;
        }
        pairs++;
        credit += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0;
      }
    }
    return credit / pairs;
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 42, 2024})
  void shouldEqualThePairwiseDefinitionOnRandomScoresWithManyTies(long seed) {
    Random random = new Random(seed);
    int n = 200 + random.nextInt(800);
    // Few distinct scores, so that most pairs tie; labels loosely follow the scores.
    int levels = 2 + random.nextInt(8);
    double[] scores = new double[n];
    float[] labels = new float[n];
    for (int i = 0; i < n; i++) {
      scores[i] = random.nextInt(levels) / (double) levels;
      labels[i] = random.nextDouble() < 0.3 + 0.4 * scores[i] ? 1f : 0f;
    }
    assertEquals(pairwiseAuc(scores, labels), Auc.of(scores, labels), 1e-12);
  }

  @ParameterizedTest
  @ValueSource(longs = {7, 8, 9})
  void shouldEqualThePairwiseDefinitionOnContinuousScoresAndTheirFloatCopies(long seed) {
    Random random = new Random(seed);
    int n = 500;
    double[] scores = new double[n];
    float[] floatScores = new float[n];
    float[] labels = new float[n];
    for (int i = 0; i < n; i++) {
      labels[i] = random.nextBoolean() ? 1f : 0f;
      floatScores[i] = (float) (random.nextGaussian() + labels[i]);
      scores[i] = floatScores[i];
    }
    assertEquals(pairwiseAuc(scores, labels), Auc.of(scores, labels), 1e-12);
    assertEquals(Auc.of(scores, labels), Auc.of(floatScores, labels), 0);
  }

  @Test
  void shouldScoreAPerfectRankingOneAndAReversedOneZero() {
    float[] labels = {0, 0, 1, 1};
    assertEquals(1.0, Auc.of(new double[] {0.1, 0.2, 0.3, 0.4}, labels));
    assertEquals(0.0, Auc.of(new double[] {0.4, 0.3, 0.2, 0.1}, labels));
  }

  @Test
  void shouldScoreAllTiedScoresOneHalf() {
    assertEquals(0.5, Auc.of(new double[] {0.7, 0.7, 0.7, 0.7, 0.7}, new float[] {1, 0, 0, 1, 0}));
  }

  @Test
  void shouldCountATieBetweenAPositiveAndANegativeAsHalf() {
    // Pairs: (0.5 vs 0.5) tie, (0.5 vs 0.1) win, (0.9 vs 0.5) win, (0.9 vs 0.1) win: 3.5 / 4.
    double[] scores = {0.5, 0.9, 0.5, 0.1};
    float[] labels = {1, 1, 0, 0};
    assertEquals(0.875, Auc.of(scores, labels));
  }

  @Test
  void shouldBeUndefinedWithoutBothClasses() {
    assertTrue(Double.isNaN(Auc.of(new double[] {0.1, 0.9}, new float[] {1, 1})));
    assertTrue(Double.isNaN(Auc.of(new double[] {0.1, 0.9}, new float[] {0, 0})));
    assertTrue(Double.isNaN(Auc.of(new double[0], new float[0])));
  }

  @Test
  void shouldRejectMismatchedLengthsNonBinaryLabelsAndNaNScores() {
    assertThrows(
        IllegalArgumentException.class, () -> Auc.of(new double[] {0.1}, new float[] {1, 0}));
    assertThrows(
        IllegalArgumentException.class,
        () -> Auc.of(new double[] {0.1, 0.2}, new float[] {1, 0.5f}));
    assertThrows(
        IllegalArgumentException.class,
        () -> Auc.of(new double[] {0.1, Double.NaN}, new float[] {1, 0}));
  }
}
