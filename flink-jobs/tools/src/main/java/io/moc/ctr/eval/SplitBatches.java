package io.moc.ctr.eval;

import io.moc.ctr.data.ColdQueries;
import io.moc.ctr.data.Examples;
import io.moc.ctr.data.Split;
import io.moc.ctr.model.CtrBatch;
import java.util.Random;

/**
 * A dataset's splits as model input: what {@link CtrTrainer} trains on and scores, whichever way
 * examples become fields (vocabulary indices offline, hashed ids in the streaming trainer's
 * contract).
 */
public interface SplitBatches {

  Examples examples(Split split);

  /**
   * The examples at {@code positions[from..to)} of a split (at {@code from..to} when positions is
   * null), with labels; each example's ids are dropped with probability {@code idDropout} drawn
   * from {@code random} (null: none dropped).
   */
  CtrBatch batch(Split split, int[] positions, int from, int to, Random random, double idDropout);

  /** As {@link #batch(Split, int[], int, int, Random, double)} with every id kept. */
  default CtrBatch batch(Split split, int[] positions, int from, int to) {
    return batch(split, positions, from, to, null, 0);
  }

  /** Whether each positive comes with a sampled negative (Amazon), rather than logged labels. */
  boolean sampledNegatives();

  /**
   * The split's cold-vs-cold queries, scored with {@link #batch(Examples, int, int)}; null when
   * there are none (logged labels, or a source that makes none).
   */
  default ColdQueries coldQueries(Split split) {
    return null;
  }

  /**
   * Rows {@code from..to} of examples other than a split's (the cold queries'), every id kept.
   *
   * @throws UnsupportedOperationException for a source that makes no such examples
   */
  default CtrBatch batch(Examples examples, int from, int to) {
    throw new UnsupportedOperationException("only the splits' examples");
  }
}
