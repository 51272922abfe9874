package io.moc.ctr.model;

import io.moc.ctr.model.CtrModelConfig.Backbone;
import io.moc.ctr.model.CtrModelConfig.Fusion;
import io.moc.ctr.model.CtrModelConfig.ItemRepresentation;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** A small synthetic catalogue and click log whose label depends on the first code of the item. */
final class CtrTestData {

  static final int USERS = 40;
  static final int ITEMS = 120;
  static final int BUCKETS = 16;
  static final int BRANDS = 8;
  static final int CATEGORIES = 5;
  static final int M = 3;
  static final int K = 8;
  static final int DENSE = 6;

  /** Columns: user, item, item_hash, brand, category, code0..code2. */
  final int[][] fields;

  final float[][] dense;
  final float[] labels;

  private CtrTestData(int[][] fields, float[][] dense, float[] labels) {
    this.fields = fields;
    this.dense = dense;
    this.labels = labels;
  }

  /**
   * {@code n} impressions of random users and items; clicked when the item's first code is below
   * K/2, flipped with probability {@code noise}. The dense input is the item's codes, one-hot-ish.
   */
  static CtrTestData generate(int n, double noise, long seed) {
    Random random = new Random(seed);
    int[][] codes = new int[ITEMS][M];
    int[] brand = new int[ITEMS];
    int[] category = new int[ITEMS];
    float[][] text = new float[ITEMS][DENSE];
    for (int i = 0; i < ITEMS; i++) {
      for (int m = 0; m < M; m++) {
        codes[i][m] = random.nextInt(K);
      }
      brand[i] = random.nextInt(BRANDS);
      category[i] = random.nextInt(CATEGORIES);
      text[i][0] = codes[i][0] < K / 2 ? 1f : -1f;
      for (int j = 1; j < DENSE; j++) {
        text[i][j] = (float) random.nextGaussian();
      }
    }
    int[][] fields = new int[n][];
    float[][] dense = new float[n][];
    float[] labels = new float[n];
    for (int e = 0; e < n; e++) {
      int item = random.nextInt(ITEMS);
      int[] row = new int[5 + M];
      row[0] = 1 + random.nextInt(USERS);
      row[1] = 1 + item;
      row[2] = 1 + Math.floorMod(item * 31 + 7, BUCKETS);
      row[3] = 1 + brand[item];
      row[4] = 1 + category[item];
      for (int m = 0; m < M; m++) {
        row[5 + m] = 1 + codes[item][m];
      }
      fields[e] = row;
      dense[e] = text[item];
      boolean click = codes[item][0] < K / 2;
      labels[e] = (click ^ random.nextDouble() < noise) ? 1f : 0f;
    }
    return new CtrTestData(fields, dense, labels);
  }

  /** Matching the columns of {@link #generate}. */
  static CtrModelConfig.Builder config() {
    return CtrModelConfig.builder()
        .user(USERS + 1)
        .itemId(ITEMS + 1)
        .hashedItemId(BUCKETS)
        .brand(BRANDS + 1)
        .category(CATEGORIES + 1)
        .codes(M, K)
        .denseDimension(DENSE)
        .embeddingDim(4)
        .mlpSizes(8, 4)
        .crossLayers(1)
        .attention(1, 2)
        .adapterHidden(8)
        .seed(3);
  }

  /** Every backbone × representation × fusion that a configuration accepts. */
  static List<CtrModelConfig> validCombinations() {
    List<CtrModelConfig> configs = new ArrayList<>();
    for (Backbone b : Backbone.values()) {
      for (ItemRepresentation r : ItemRepresentation.values()) {
        for (Fusion f : Fusion.values()) {
          if (f != Fusion.NONE && !r.embedsCodes()) {
            continue;
          }
          configs.add(
              config()
                  .backbone(b)
                  .representation(r)
                  .fusion(f)
                  .embeddingSets(r == ItemRepresentation.MULTI_EMBEDDING ? 2 : 1)
                  .build());
        }
      }
    }
    return configs;
  }

  /** A fresh model of {@code config}, with random code vectors where it reads them. */
  static CtrModel model(CtrModelConfig config, long codebookVersion) {
    if (!config.carriesCodeVectors()) {
      return CtrModel.create(config, codebookVersion);
    }
    java.util.Random random = new java.util.Random(codebookVersion);
    int width = config.denseDimension() / M;
    float[][] vectors = new float[M][K * width];
    for (float[] v : vectors) {
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) random.nextGaussian();
      }
    }
    return CtrModel.create(config, codebookVersion, vectors);
  }

  CtrBatch batch(int from, int to) {
    return new CtrBatch(
        Arrays.copyOfRange(fields, from, to),
        Arrays.copyOfRange(dense, from, to),
        Arrays.copyOfRange(labels, from, to));
  }

  CtrBatch all() {
    return new CtrBatch(fields, dense, labels);
  }

  /** Area under the ROC curve by the rank-sum formula, ties counted half. */
  static double auc(float[] scores, float[] labels) {
    Integer[] order = new Integer[scores.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Float.compare(scores[a], scores[b]));
    double rankSum = 0;
    long positives = 0;
    for (int i = 0; i < order.length; ) {
      int j = i;
      while (j < order.length && scores[order[j]] == scores[order[i]]) {
        j++;
      }
      double rank = (i + 1 + j) / 2.0; // mean 1-based rank of the tie group
      for (int t = i; t < j; t++) {
        if (labels[order[t]] > 0.5f) {
          rankSum += rank;
          positives++;
        }
      }
      i = j;
    }
    long negatives = scores.length - positives;
    return (rankSum - positives * (positives + 1) / 2.0) / ((double) positives * negatives);
  }
}
