package io.moc.ctr.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moc.codebook.ProjectedKMeansCodebook;
import io.moc.codebook.methods.CodebookMethods;
import io.moc.codebook.vq.VqVaeConfig;
import io.moc.codebook.vq.VqVaeTrainer;
import io.moc.ctr.data.CtrDataset;
import io.moc.ctr.data.Examples;
import io.moc.ctr.data.Vocabulary;
import io.moc.ctr.model.CtrModelConfig.ItemRepresentation;
import io.moc.source.TinyDatasets;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ItemFeaturesTest {

  /** 24-d Gaussian vectors by item index, zeros for the unknown item. */
  private static float[][] randomEmbeddings(int n, long seed) {
    float[][] embeddings = new float[n][];
    Random random = new Random(seed);
    embeddings[Vocabulary.UNKNOWN] = new float[24];
    for (int i = 1; i < n; i++) {
      embeddings[i] = new float[24];
      for (int j = 0; j < 24; j++) {
        embeddings[i][j] = (float) random.nextGaussian();
      }
    }
    return embeddings;
  }

  @Test
  void shouldGiveEveryItemItsChosenCodeVectorsBesideItsCodes(@TempDir Path dir) throws Exception {
    CtrDataset data = CtrDataset.load(TinyDatasets.amazonWithoutSideFields(dir, 40, 30, 1), 1);
    int n = data.items().size();
    float[][] embeddings = randomEmbeddings(n, 3);
    ItemFeatures.Coded coded =
        ItemFeatures.coded(
            data, embeddings, CodebookMethods.trainer(ProjectedKMeansCodebook.PQ, 3, 4, 8, 5, 1));
    assertEquals(n, coded.vectors().length);
    int width = coded.vectors()[1].length;
    assertTrue(width > 0);
    assertArrayEquals(new float[width], coded.vectors()[Vocabulary.UNKNOWN], "zeros: no item");
    for (int i = 1; i < n; i++) {
      assertEquals(3, coded.codes()[i].length);
      assertEquals(width, coded.vectors()[i].length);
    }
    // Items with the same codes have the same vectors: the vectors say nothing the codes do not.
    for (int i = 1; i < n; i++) {
      for (int j = i + 1; j < n; j++) {
        if (java.util.Arrays.equals(coded.codes()[i], coded.codes()[j])) {
          assertArrayEquals(coded.vectors()[i], coded.vectors()[j]);
        }
      }
    }
    assertArrayEquals(
        ItemFeatures.codes(
            data, embeddings, CodebookMethods.trainer(ProjectedKMeansCodebook.PQ, 3, 4, 8, 5, 1))[
            5],
        coded.codes()[5]);
  }

  @Test
  void shouldStartEachUsedCodesRowFromItsVectorAndLeaveUnusedOnesToTheInitialiser(@TempDir Path dir)
      throws Exception {
    CtrDataset data = CtrDataset.load(TinyDatasets.amazonWithoutSideFields(dir, 40, 30, 2), 1);
    int n = data.items().size();
    float[][] embeddings = randomEmbeddings(n, 5);
    ItemFeatures.Coded coded =
        ItemFeatures.coded(
            data, embeddings, CodebookMethods.trainer(ProjectedKMeansCodebook.PQ, 3, 16, 8, 5, 1));
    float[][][] rows = EvaluationGrid.codeRows(coded, 17, 4, 1);
    assertEquals(3, rows.length);
    java.util.Set<Integer> used = new java.util.HashSet<>();
    for (int i = 1; i < n; i++) {
      used.add(coded.codes()[i][0]);
    }
    for (int v = 0; v < 17; v++) {
      assertEquals(used.contains(v), rows[0][v] != null, "code " + v);
      if (rows[0][v] != null) {
        assertEquals(4, rows[0][v].length);
      }
    }
    assertTrue(rows[0][0] == null, "the unknown code keeps its row");
    assertTrue(EvalMethod.named("moc-init").initFromCodebook());
  }

  @Test
  void shouldPairEachUsersConsecutiveTrainingClicksOnDistinctItems(@TempDir Path dir)
      throws Exception {
    CtrDataset data = CtrDataset.load(TinyDatasets.amazonWithoutSideFields(dir, 40, 30, 3), 1);
    Examples train = data.train();
    java.util.Map<Integer, java.util.List<Integer>> clicksByUser = new java.util.TreeMap<>();
    for (int e = 0; e < train.size(); e++) {
      if (train.label(e) > 0) {
        clicksByUser
            .computeIfAbsent(train.user(e), u -> new java.util.ArrayList<>())
            .add(train.item(e));
      }
    }
    java.util.Map<String, Integer> expected = new java.util.TreeMap<>();
    for (java.util.List<Integer> clicks : clicksByUser.values()) {
      for (int i = 1; i < clicks.size(); i++) {
        if (!clicks.get(i).equals(clicks.get(i - 1))) {
          expected.merge(clicks.get(i - 1) + ">" + clicks.get(i), 1, Integer::sum);
        }
      }
    }
    java.util.Map<String, Integer> actual = new java.util.TreeMap<>();
    for (int[] pair : ItemFeatures.coClicks(data)) {
      assertTrue(data.inTrain(pair[0]) && data.inTrain(pair[1]), "training items only");
      actual.merge(pair[0] + ">" + pair[1], 1, Integer::sum);
    }
    assertFalse(expected.isEmpty(), "the tiny dataset has users with several clicks");
    assertEquals(expected, actual);
  }

  @Test
  void shouldCodeEveryItemWithACodebookThatLearnedFromCoClicks(@TempDir Path dir) throws Exception {
    CtrDataset data = CtrDataset.load(TinyDatasets.amazonWithoutSideFields(dir, 40, 30, 4), 1);
    int n = data.items().size();
    float[][] embeddings = randomEmbeddings(n, 7);
    VqVaeConfig config =
        VqVaeConfig.defaults()
            .withHiddenSize(16)
            .withLatentSize(8)
            .withCodebooks(2, 4)
            .withEpochs(1, 3)
            .withBatchSize(8)
            .withSeed(3);
    ItemFeatures.Coded plain = ItemFeatures.coded(data, embeddings, VqVaeTrainer.moc(config));
    ItemFeatures.Coded weighed =
        ItemFeatures.coClickCoded(
            data, embeddings, VqVaeTrainer.moc(config.withCoClicks(1f, 0.1f)));
    ItemFeatures.Coded ignored =
        ItemFeatures.coClickCoded(data, embeddings, VqVaeTrainer.moc(config));
    for (int i = 1; i < n; i++) {
      assertEquals(2, weighed.codes()[i].length);
      assertArrayEquals(plain.codes()[i], ignored.codes()[i], "weight 0: the plain codebook");
    }
    assertFalse(
        java.util.Arrays.deepEquals(plain.vectors(), weighed.vectors()),
        "the co-click term changes the codebook");
    assertTrue(EvalMethod.named("moc-mlp-dense-cc").coClicks());
    assertFalse(EvalMethod.named("moc-mlp-dense").coClicks());
  }

  @Test
  void shouldReadTheCodeVectorsAndNotTheTextInMocDense() {
    EvalMethod dense = EvalMethod.named("moc-dense");
    assertEquals(ItemRepresentation.ADAPTER, dense.representation());
    assertTrue(dense.denseFromCodes());
    assertFalse(dense.readsText());
    assertTrue(EvalMethod.named("adapter").readsText());
  }
}
