package io.moc.ctr.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moc.codebook.ProjectedKMeansCodebook;
import io.moc.codebook.methods.CodebookMethods;
import io.moc.ctr.data.CtrDataset;
import io.moc.ctr.data.Vocabulary;
import io.moc.ctr.model.CtrModelConfig.ItemRepresentation;
import io.moc.source.TinyDatasets;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ItemFeaturesTest {

  @Test
  void shouldGiveEveryItemItsChosenCodeVectorsBesideItsCodes(@TempDir Path dir) throws Exception {
    CtrDataset data = CtrDataset.load(TinyDatasets.amazonWithoutSideFields(dir, 40, 30, 1), 1);
    int n = data.items().size();
    float[][] embeddings = new float[n][];
    Random random = new Random(3);
    embeddings[Vocabulary.UNKNOWN] = new float[24];
    for (int i = 1; i < n; i++) {
      embeddings[i] = new float[24];
      for (int j = 0; j < 24; j++) {
        embeddings[i][j] = (float) random.nextGaussian();
      }
    }
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
  void shouldReadTheCodeVectorsAndNotTheTextInMocDense() {
    EvalMethod dense = EvalMethod.named("moc-dense");
    assertEquals(ItemRepresentation.ADAPTER, dense.representation());
    assertTrue(dense.denseFromCodes());
    assertFalse(dense.readsText());
    assertTrue(EvalMethod.named("adapter").readsText());
  }
}
