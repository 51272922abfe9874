package io.moc.embed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

class MeanPoolingTest {

  @Test
  void averagesOnlyTheTokensTheMaskKeepsThenScalesToUnitLength() {
    // batch 2, length 3, dim 2; the padded positions hold values that would dominate the mean.
    float[] hidden = {
      1, 0, 3, 0, 1000, -1000, //
      0, 2, 0, 2, 0, 2
    };
    long[] mask = {1, 1, 0, 1, 1, 1};

    float[][] pooled = SentenceEmbedder.meanPoolAndNormalise(hidden, mask, 2, 3, 2);

    assertArrayEquals(new float[] {1, 0}, pooled[0], 1e-6f);
    assertArrayEquals(new float[] {0, 1}, pooled[1], 1e-6f);
  }

  @Test
  void pointsWhereTheMeanPoints() {
    float[] hidden = {3, 4, 6, 8};
    long[] mask = {1, 1};

    float[][] pooled = SentenceEmbedder.meanPoolAndNormalise(hidden, mask, 1, 2, 2);

    assertArrayEquals(new float[] {0.6f, 0.8f}, pooled[0], 1e-6f);
  }

  @Test
  void leavesAZeroVectorZeroInsteadOfNaN() {
    float[][] pooled =
        SentenceEmbedder.meanPoolAndNormalise(new float[] {0, 0, 5, 5}, new long[] {1, 0}, 1, 2, 2);

    assertArrayEquals(new float[] {0, 0}, pooled[0]);
  }
}
