package io.moc.ctr.eval;

import io.moc.ctr.data.ColdQueries;
import io.moc.ctr.data.CtrDataset;
import io.moc.ctr.data.Examples;
import io.moc.ctr.data.Split;
import io.moc.ctr.data.Vocabulary;
import io.moc.ctr.model.CtrBatch;
import io.moc.ctr.model.CtrModelConfig;
import io.moc.source.Dataset;
import java.util.BitSet;
import java.util.Random;

/**
 * Turns a dataset's examples into model batches with every field any representation reads: user,
 * item id, hashed item id, brand, category and the item's codes, plus its text embedding.
 *
 * <p>Ids the model cannot have learned map to the unknown index 0: users and items that never
 * appear in the training period (their embedding rows would be untrained noise), so a cold-start
 * item is represented by its brand, category, text and codes only. The hashed id of the unified
 * representation maps item indices to far fewer buckets.
 *
 * <p>Training batches can drop ids: with probability {@code idDropout} an example's user and item
 * ids are replaced by the unknown index. Otherwise the unknown rows are never trained, and a model
 * scores every new item from an untrained embedding; with it, the model learns what an item without
 * history looks like from what it does know (brand, category, text, codes).
 */
public final class CtrFeatures implements SplitBatches {

  private final CtrDataset data;
  private final int[][] codes;
  private final float[][] embeddings;
  private final int buckets;
  private final BitSet trainUsers = new BitSet();

  /**
   * @param codes codes by item index, shifted by one (see {@link ItemFeatures#codes}); null for
   *     none
   * @param embeddings text embeddings by item index; null when no representation reads them
   * @param buckets hash buckets of the unified representation's item id
   */
  public CtrFeatures(CtrDataset data, int[][] codes, float[][] embeddings, int buckets) {
    this.data = data;
    this.codes = codes;
    this.embeddings = embeddings;
    this.buckets = buckets;
    Examples train = data.train();
    for (int i = 0; i < train.size(); i++) {
      trainUsers.set(train.user(i));
    }
  }

  public int numCodebooks() {
    return codes == null ? 0 : codes[Vocabulary.UNKNOWN].length;
  }

  /** Adds the fields of {@link #batch} to a model configuration, in its column order. */
  public CtrModelConfig.Builder fields(CtrModelConfig.Builder builder, int codebookSize) {
    builder
        .user(data.users().size())
        .itemId(data.items().size())
        .hashedItemId(buckets)
        .brand(data.brands().size())
        .category(data.categories().size());
    if (codes != null) {
      builder.codes(numCodebooks(), codebookSize);
    }
    if (embeddings != null) {
      builder.denseDimension(embeddings[Vocabulary.UNKNOWN].length);
    }
    return builder;
  }

  @Override
  public CtrBatch batch(
      Split split, int[] positions, int from, int to, Random random, double idDropout) {
    return batch(data.examples(split), positions, from, to, random, idDropout);
  }

  @Override
  public CtrBatch batch(Examples examples, int from, int to) {
    return batch(examples, null, from, to, null, 0);
  }

  @Override
  public ColdQueries coldQueries(Split split) {
    return data.coldQueries(split);
  }

  private CtrBatch batch(
      Examples ex, int[] positions, int from, int to, Random random, double idDropout) {
    int n = to - from;
    int m = numCodebooks();
    int[][] fields = new int[n][5 + m];
    float[][] dense = embeddings == null ? null : new float[n][];
    float[] labels = new float[n];
    for (int r = 0; r < n; r++) {
      int e = positions == null ? from + r : positions[from + r];
      int user = ex.user(e);
      int item = ex.item(e);
      boolean dropped = random != null && random.nextDouble() < idDropout;
      boolean known = data.inTrain(item) && !dropped;
      int[] row = fields[r];
      row[0] = trainUsers.get(user) && !dropped ? user : Vocabulary.UNKNOWN;
      row[1] = known ? item : Vocabulary.UNKNOWN;
      row[2] = known ? bucket(item) : Vocabulary.UNKNOWN;
      row[3] = ex.brand(e);
      row[4] = ex.category(e);
      if (m > 0) {
        System.arraycopy(codes[item], 0, row, 5, m);
      }
      if (dense != null) {
        dense[r] = embeddings[item];
      }
      labels[r] = ex.label(e);
    }
    return new CtrBatch(fields, dense, labels);
  }

  /** A bucket in [1, buckets]: a multiplicative hash, so neighbouring indices spread out. */
  int bucket(int item) {
    long h = (item * 0x9E3779B97F4A7C15L) >>> 17;
    return 1 + (int) Long.remainderUnsigned(h, buckets);
  }

  @Override
  public boolean sampledNegatives() {
    return data.format() == Dataset.Format.AMAZON_BEAUTY;
  }

  @Override
  public Examples examples(Split split) {
    return data.examples(split);
  }

  public int buckets() {
    return buckets;
  }
}
