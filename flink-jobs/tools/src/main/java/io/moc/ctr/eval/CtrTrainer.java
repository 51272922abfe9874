package io.moc.ctr.eval;

import io.moc.ctr.data.ColdQueries;
import io.moc.ctr.data.Examples;
import io.moc.ctr.data.Split;
import io.moc.ctr.metrics.Auc;
import io.moc.ctr.metrics.LogLoss;
import io.moc.ctr.model.CtrBatch;
import io.moc.ctr.model.CtrModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.IntConsumer;

/**
 * Trains a CTR model by mini-batches over shuffled training examples, with early stopping on the
 * validation AUC: after each epoch the model is scored on the validation split, the best model's
 * bytes are kept, and training stops when {@code patience} epochs in a row did not improve it. The
 * test split is never looked at here.
 */
public final class CtrTrainer {

  /**
   * What one split scores: AUC and logloss overall, and AUC on the cold-start slice.
   *
   * <p>With sampled negatives (Amazon) the slice is every positive on a cold-start item together
   * with the negative sampled for it (same user, same time): can the model rank a new item the user
   * clicked above an item the user did not? Taking the cold examples alone would compare the rare
   * cold negatives with cold positives of other users. Without sampled negatives (MovieLens) it is
   * every example on a cold-start item.
   *
   * @param cold examples in the cold-start slice
   */
  public record Scores(double auc, double logloss, double coldAuc, int examples, int cold) {}

  /**
   * The outcome of a fit: the best epoch (1-based) and its artifact and validation scores.
   *
   * @param best the model of the best epoch, as {@link CtrModel#toBytes()}
   */
  public record Fit(
      int bestEpoch, int epochs, Scores valid, long examplesTrained, double seconds, byte[] best) {}

  private final SplitBatches features;
  private final Examples train;
  private final int batchSize;
  private final int maxEpochs;
  private final int patience;
  private final int trainLimit;
  private final double idDropout;

  /**
   * @param trainLimit use only the newest this many training examples (0: all), for quick runs
   * @param idDropout probability that a training example's ids are replaced by the unknown index
   *     (see {@link CtrFeatures})
   */
  public CtrTrainer(
      SplitBatches features,
      Examples train,
      int batchSize,
      int maxEpochs,
      int patience,
      int trainLimit,
      double idDropout) {
    this.features = features;
    this.train = train;
    this.batchSize = batchSize;
    this.maxEpochs = maxEpochs;
    this.patience = patience;
    this.trainLimit = trainLimit;
    this.idDropout = idDropout;
  }

  /**
   * Trains {@code model} in place; the best epoch's model is returned as bytes (load it with {@link
   * CtrModel#fromBytes}).
   *
   * @param progress called with the number of examples trained so far in the current epoch
   */
  public Fit fit(CtrModel model, long seed, IntConsumer progress) {
    long start = System.nanoTime();
    int[] order = trainOrder();
    Random random = new Random(seed);
    byte[] best = null;
    Scores bestScores = null;
    int bestEpoch = 0;
    int epoch = 0;
    long trained = 0;
    while (epoch < maxEpochs && epoch - bestEpoch < patience + (best == null ? 1 : 0)) {
      epoch++;
      trained += epoch(model, order, random, progress);
      Scores valid = score(model, Split.VALID);
      if (bestScores == null || valid.auc() > bestScores.auc()) {
        bestScores = valid;
        bestEpoch = epoch;
        best = model.toBytes();
      }
    }
    return new Fit(bestEpoch, epoch, bestScores, trained, (System.nanoTime() - start) / 1e9, best);
  }

  /**
   * Trains {@code model} in place for exactly {@code epochs} epochs, without looking at the
   * validation split: to refit on more data for an epoch count chosen by {@link #fit} elsewhere.
   *
   * @return examples trained
   */
  public long train(CtrModel model, long seed, int epochs) {
    int[] order = trainOrder();
    Random random = new Random(seed);
    long trained = 0;
    for (int epoch = 0; epoch < epochs; epoch++) {
      trained += epoch(model, order, random, n -> {});
    }
    return trained;
  }

  private int[] trainOrder() {
    int n = train.size();
    int first = trainLimit > 0 ? Math.max(0, n - trainLimit) : 0;
    int[] order = new int[n - first];
    for (int i = 0; i < order.length; i++) {
      order[i] = first + i;
    }
    return order;
  }

  /** One shuffled pass over {@code order}; returns the examples trained. */
  private long epoch(CtrModel model, int[] order, Random random, IntConsumer progress) {
    shuffle(order, random);
    for (int from = 0; from < order.length; from += batchSize) {
      int to = Math.min(order.length, from + batchSize);
      model.trainStep(features.batch(Split.TRAIN, order, from, to, random, idDropout));
      progress.accept(to);
    }
    return order.length;
  }

  /** Scores every example of a split in time order. */
  public Scores score(CtrModel model, Split split) {
    Examples ex = featuresExamples(split);
    int n = ex.size();
    float[] p = new float[n];
    for (int from = 0; from < n; from += batchSize) {
      int to = Math.min(n, from + batchSize);
      CtrBatch batch = features.batch(split, null, from, to);
      System.arraycopy(model.predict(batch), 0, p, from, to - from);
    }
    float[] labels = ex.labels();
    int[] slice = coldSlice(ex, features.sampledNegatives());
    float[] coldP = new float[slice.length];
    float[] coldLabels = new float[slice.length];
    for (int c = 0; c < slice.length; c++) {
      coldP[c] = p[slice[c]];
      coldLabels[c] = labels[slice[c]];
    }
    return new Scores(
        Auc.of(p, labels), LogLoss.of(p, labels), Auc.of(coldP, coldLabels), n, slice.length);
  }

  /**
   * The cold-vs-cold figures of a split (see {@link ColdQueries}): a cold positive against cold
   * items only. Null when the split has no such queries.
   */
  public ColdQueries.Metrics coldVsCold(CtrModel model, Split split) {
    ColdQueries queries = features.coldQueries(split);
    if (queries == null) {
      return null;
    }
    Examples rows = queries.examples();
    float[] p = new float[rows.size()];
    for (int from = 0; from < rows.size(); from += batchSize) {
      int to = Math.min(rows.size(), from + batchSize);
      System.arraycopy(model.predict(features.batch(rows, from, to)), 0, p, from, to - from);
    }
    return queries.metrics(p);
  }

  /** The examples of the cold-start slice (see {@link Scores}), in order. */
  static int[] coldSlice(Examples ex, boolean sampledNegatives) {
    List<Integer> slice = new ArrayList<>();
    int n = ex.size();
    for (int i = 0; i < n; i++) {
      if (!sampledNegatives) {
        if (ex.coldStart(i)) {
          slice.add(i);
        }
      } else if (ex.label(i) > 0 && ex.coldStart(i)) {
        slice.add(i);
        // The builder writes each positive's sampled negative right after it.
        if (i + 1 < n
            && ex.label(i + 1) == 0
            && ex.user(i + 1) == ex.user(i)
            && ex.timeMs(i + 1) == ex.timeMs(i)) {
          slice.add(i + 1);
        }
      }
    }
    return slice.stream().mapToInt(Integer::intValue).toArray();
  }

  private Examples featuresExamples(Split split) {
    return features.examples(split);
  }

  private static void shuffle(int[] a, Random random) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }
}
