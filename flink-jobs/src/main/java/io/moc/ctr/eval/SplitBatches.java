package io.moc.ctr.eval;

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
}
