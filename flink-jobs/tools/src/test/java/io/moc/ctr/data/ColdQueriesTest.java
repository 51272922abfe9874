package io.moc.ctr.data;

import static io.moc.source.SharedData.dataset;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moc.source.Dataset;
import io.moc.source.TinyDatasets;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ColdQueriesTest {

  /** Builds the queries of one user's rows by hand: positive first, then its candidates. */
  private static ColdQueries queries(int[]... rowsPerQuery) {
    Examples.Builder rows = new Examples.Builder();
    int[] offsets = new int[rowsPerQuery.length + 1];
    int size = 0;
    for (int q = 0; q < rowsPerQuery.length; q++) {
      for (int r = 0; r < rowsPerQuery[q].length; r++) {
        rows.add(1, rowsPerQuery[q][r], 1000, r == 0);
      }
      size += rowsPerQuery[q].length;
      offsets[q + 1] = size;
    }
    return new ColdQueries(rows.build(new java.util.BitSet(), new int[20], new int[20]), offsets);
  }

  @Test
  void shouldRankEachColdPositiveAmongItsCandidatesCountingTiesAgainstIt() {
    // Query 0: positive best of 12. Query 1: 11 candidates above it. Query 2: tied with all.
    ColdQueries q =
        queries(
            new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12},
            new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12},
            new int[] {1, 2, 3});
    float[] scores = new float[12 + 12 + 3];
    scores[0] = 0.9f;
    for (int r = 1; r < 12; r++) {
      scores[r] = 0.1f;
      scores[12 + r] = 0.8f;
    }
    scores[12] = 0.2f;
    java.util.Arrays.fill(scores, 24, 27, 0.5f);
    ColdQueries.Metrics m = q.metrics(scores);
    assertEquals(3, m.queries());
    assertEquals(2.0 / 3, m.recallAt10(), 1e-12, "rank 1, rank 12, rank 3 (ties count against)");
    assertEquals((1 + 1 / (Math.log(4) / Math.log(2))) / 3, m.ndcgAt10(), 1e-12);
    // Pairs: (0.9 vs 0.1), (0.2 vs 0.8), (0.5 vs 0.5): AUC over the pooled pairs.
    assertEquals(
        io.moc.ctr.metrics.Auc.of(
            new float[] {0.9f, 0.1f, 0.2f, 0.8f, 0.5f, 0.5f}, new float[] {1, 0, 1, 0, 1, 0}),
        m.pairAuc(),
        1e-12);
    assertEquals(27.0 / 3, m.meanCandidates(), 1e-12);
  }

  @Test
  void shouldLeaveOutAPositiveWithoutAnyColdCandidate() {
    ColdQueries q = queries(new int[] {1}, new int[] {2, 3});
    ColdQueries.Metrics m = q.metrics(new float[] {0.5f, 0.7f, 0.1f});
    assertEquals(1, m.queries());
    assertEquals(1.0, m.recallAt10());
  }

  /**
   * Every query is a cold positive of the split followed by distinct cold items that exist at its
   * time, which the user never touches; one query per cold positive.
   */
  private static void assertColdQueriesHold(CtrDataset data, Dataset raw) {
    Map<String, Set<String>> interacted = new HashMap<>();
    for (Dataset.Interaction i : raw.interactions()) {
      interacted.computeIfAbsent(i.userId(), u -> new HashSet<>()).add(i.itemId());
    }
    int withCandidates = 0;
    for (Split split : new Split[] {Split.VALID, Split.TEST}) {
      ColdQueries queries = data.coldQueries(split);
      Examples ex = data.examples(split);
      int coldPositives = 0;
      for (int i = 0; i < ex.size(); i++) {
        coldPositives += ex.label(i) > 0 && ex.coldStart(i) ? 1 : 0;
      }
      assertEquals(coldPositives, queries.size(), split + ": one query per cold positive");
      Examples rows = queries.examples();
      for (int q = 0; q < queries.size(); q++) {
        int first = queries.from(q);
        assertEquals(1f, rows.label(first));
        assertFalse(data.inTrain(rows.item(first)), "the positive is cold");
        int count = queries.to(q) - first;
        assertTrue(count <= CtrDataset.COLD_CANDIDATES);
        withCandidates += count > 1 ? 1 : 0;
        Set<Integer> seen = new HashSet<>();
        Set<String> ofUser = interacted.get(data.users().value(rows.user(first)));
        for (int r = first + 1; r < queries.to(q); r++) {
          int item = rows.item(r);
          assertEquals(0f, rows.label(r));
          assertEquals(rows.user(first), rows.user(r));
          assertEquals(rows.timeMs(first), rows.timeMs(r));
          assertFalse(data.inTrain(item), "a candidate is cold too");
          assertTrue(data.existsFromMs(item) <= rows.timeMs(r), "a candidate exists then");
          assertFalse(ofUser.contains(data.items().value(item)), "never touched by the user");
          assertTrue(seen.add(item), "candidates are distinct");
        }
      }
    }
    assertTrue(withCandidates > 0, "some cold positive has cold competitors");
    assertNull(data.coldQueries(Split.TRAIN));
  }

  @Test
  void shouldPairEveryColdPositiveWithColdItemsOnlyOnASmallCatalog(@TempDir Path dir)
      throws IOException {
    // 400 items and 320 interactions: about half the items are first seen after the train period.
    Dataset raw = Dataset.read(TinyDatasets.amazonWithoutSideFields(dir, 400, 40, 5));
    CtrDataset data = CtrDataset.of(raw, 1);
    assertColdQueriesHold(data, raw);

    CtrDataset again = CtrDataset.of(raw, 1);
    ColdQueries a = data.coldQueries(Split.TEST);
    ColdQueries b = again.coldQueries(Split.TEST);
    int[] itemsA = new int[a.examples().size()];
    int[] itemsB = new int[b.examples().size()];
    for (int r = 0; r < itemsA.length; r++) {
      itemsA[r] = a.examples().item(r);
    }
    for (int r = 0; r < itemsB.length; r++) {
      itemsB[r] = b.examples().item(r);
    }
    assertArrayEquals(itemsA, itemsB, "deterministic for a seed");
  }

  @Test
  void shouldPairEveryColdPositiveWithColdItemsOnlyOnAmazonBeauty() throws IOException {
    Dataset raw = Dataset.read(dataset("amazon-beauty"));
    assertColdQueriesHold(CtrDataset.of(raw, 1), raw);
  }
}
