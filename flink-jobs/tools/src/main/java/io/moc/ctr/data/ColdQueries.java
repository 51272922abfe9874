package io.moc.ctr.data;

import io.moc.ctr.metrics.Auc;
import java.util.Arrays;

/**
 * The cold-vs-cold measurements of a split with sampled negatives: for each positive on an item
 * unseen in training, that item first and then candidates that are also unseen in training, exist
 * at the positive's time and were never touched by the user (up to {@link
 * CtrDataset#COLD_CANDIDATES} in all, drawn uniformly when there are more).
 *
 * <p>Two figures come from it ({@link #metrics}): the AUC of the positives against their first
 * candidate, a cold item against a cold item, which an ids-only model cannot win by popularity; and
 * how high each positive ranks among all its candidates (recall and NDCG at 10).
 */
public final class ColdQueries {

  /** What one split's cold-vs-cold measurements give. */
  public record Metrics(
      double pairAuc, double recallAt10, double ndcgAt10, int queries, double meanCandidates) {}

  private final Examples examples;
  private final int[] offsets;

  /**
   * @param examples query q's rows are {@code offsets[q] .. offsets[q + 1]}, its positive first
   * @param offsets ascending, {@code offsets[0] == 0}, the last the number of rows
   */
  ColdQueries(Examples examples, int[] offsets) {
    this.examples = examples;
    this.offsets = offsets;
  }

  /** Every row of every query, the positive of each first: what a model scores. */
  public Examples examples() {
    return examples;
  }

  public int size() {
    return offsets.length - 1;
  }

  /** The first row of query {@code q}: its positive. */
  public int from(int q) {
    return offsets[q];
  }

  /** One past query {@code q}'s last row. */
  public int to(int q) {
    return offsets[q + 1];
  }

  /**
   * The cold-vs-cold figures of a model's {@code scores} of {@link #examples()}. A positive's rank
   * counts every candidate scored at least as high as it: a model that cannot tell cold items apart
   * gets no credit for ties. Queries with no candidate besides the positive are left out.
   */
  public Metrics metrics(float[] scores) {
    if (scores.length != examples.size()) {
      throw new IllegalArgumentException(
          scores.length + " scores for " + examples.size() + " rows");
    }
    int pairs = 0;
    float[] pairScores = new float[2 * size()];
    float[] pairLabels = new float[2 * size()];
    double hits = 0;
    double gain = 0;
    long candidates = 0;
    for (int q = 0; q < size(); q++) {
      int from = from(q);
      int to = to(q);
      if (to - from < 2) {
        continue;
      }
      float positive = scores[from];
      pairScores[2 * pairs] = positive;
      pairLabels[2 * pairs] = 1f;
      pairScores[2 * pairs + 1] = scores[from + 1];
      pairLabels[2 * pairs + 1] = 0f;
      pairs++;
      int rank = 1;
      for (int r = from + 1; r < to; r++) {
        rank += scores[r] >= positive ? 1 : 0;
      }
      if (rank <= 10) {
        hits++;
        gain += 1 / (Math.log(rank + 1) / Math.log(2));
      }
      candidates += to - from;
    }
    if (pairs == 0) {
      return new Metrics(Double.NaN, Double.NaN, Double.NaN, 0, 0);
    }
    return new Metrics(
        Auc.of(Arrays.copyOf(pairScores, 2 * pairs), Arrays.copyOf(pairLabels, 2 * pairs)),
        hits / pairs,
        gain / pairs,
        pairs,
        (double) candidates / pairs);
  }
}
