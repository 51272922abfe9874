package io.moc.ctr.online;

import io.moc.ctr.model.CtrModelConfig;
import io.moc.ctr.model.CtrModelConfig.Fusion;
import io.moc.ctr.model.CtrModelConfig.ItemRepresentation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A catalogue of items with M codes each and an impression stream whose clicks depend on the first
 * code: clicked with probability 0.7 when it is below K/2, 0.1 otherwise. Public for the tests of
 * the model's consumers (io.moc.serving).
 */
public final class SyntheticStream {

  public static final long VERSION = 5;
  public static final int M = 3;
  public static final int K = 8;
  public static final int ITEMS = 200;
  public static final int USERS = 50;
  public static final FeatureContract CONTRACT = new FeatureContract(VERSION, 64, 256, M, K);

  public final Map<String, int[]> codes = new LinkedHashMap<>();
  private final Random random;
  private long time = 1_000_000;

  public SyntheticStream(long seed) {
    random = new Random(seed);
    for (int i = 0; i < ITEMS; i++) {
      int[] c = new int[M];
      for (int m = 0; m < M; m++) {
        c[m] = random.nextInt(K);
      }
      codes.put("item-" + i, c);
    }
  }

  /** The next impression; its item was first seen {@code itemAgeMs} before it. */
  public CtrExample nextAged(long itemAgeMs) {
    String item = "item-" + random.nextInt(ITEMS);
    CtrExample e = new CtrExample();
    e.impressionId = "imp-" + time;
    e.userId = "user-" + random.nextInt(USERS);
    e.itemId = item;
    e.codebookVersion = VERSION;
    e.codes = codes.get(item).clone();
    e.clicked = random.nextDouble() < (e.codes[0] < K / 2 ? 0.7 : 0.1);
    time += 10;
    e.eventTime = time;
    e.itemFirstSeen = time - itemAgeMs;
    return e;
  }

  /** The next {@code n} impressions of items first seen an hour before. */
  public List<CtrExample> next(int n) {
    List<CtrExample> examples = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      examples.add(nextAged(3_600_000L));
    }
    return examples;
  }

  /** A small model reading the contract. */
  public static CtrModelConfig.Builder config() {
    return CONTRACT
        .modelConfig(ItemRepresentation.UNIFIED)
        .fusion(Fusion.GATE)
        .embeddingDim(8)
        .mlpSizes(16, 8)
        .learningRate(1e-2f)
        .seed(3);
  }

  public static TrainerSettings.Builder settings() {
    return TrainerSettings.builder()
        .batchSize(64)
        .windowSize(1000)
        .coldStartWindowSize(1000)
        .coldStartAgeMs(60_000)
        .replayCapacity(2000)
        .seed(11);
  }
}
