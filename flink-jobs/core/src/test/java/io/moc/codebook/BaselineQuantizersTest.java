package io.moc.codebook;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Product quantization and plain k-means, the baselines that share the projected k-means code. */
class BaselineQuantizersTest {

  private static final List<float[]> DATA = ClusteredData.clustered(400, 12, 8, 0.2, 9);

  @Test
  void shouldLetEachProductQuantizerCodebookSeeOnlyItsSubVector() {
    Codebook pq = ProjectedKMeansTrainer.productQuantization(3, 8, 15, 1).train("m", DATA);
    assertEquals(ProjectedKMeansCodebook.PQ, pq.method());
    float[] x = DATA.get(0).clone();
    int[] before = pq.assign(x).codes();
    // Change only the last sub-vector (dimensions 8..11): the first two codes cannot move.
    for (int j = 8; j < 12; j++) {
      x[j] += 5;
    }
    int[] after = pq.assign(x).codes();
    assertEquals(before[0], after[0]);
    assertEquals(before[1], after[1]);
  }

  @Test
  void shouldHandleADimensionNotDivisibleByTheNumberOfSubVectors() {
    Codebook pq = ProjectedKMeansTrainer.productQuantization(5, 4, 10, 1).train("m", DATA);
    assertEquals(5, pq.assign(DATA.get(3)).codes().length);
    assertThrows(
        IllegalArgumentException.class,
        () -> ProjectedKMeansTrainer.productQuantization(13, 4, 10, 1).train("m", DATA));
  }

  @Test
  void shouldGivePlainKMeansOneCodeOverTheWholeVector() {
    Codebook kmeans = ProjectedKMeansTrainer.kmeans(8, 20, 1).train("m", DATA);
    assertEquals(1, kmeans.numCodebooks());
    assertEquals(ProjectedKMeansCodebook.KMEANS, kmeans.method());
    // Eight well separated clusters: eight codes, one per cluster.
    assertTrue(CodeStatistics.of(kmeans, DATA).get("usage") == 1.0);
  }

  @Test
  void shouldRoundTripEveryMethodThroughItsArtifactFormat() {
    for (Codebook codebook :
        List.of(
            new ProjectedKMeansTrainer(2, 8, 4, 10, 1).train("m", DATA),
            ProjectedKMeansTrainer.productQuantization(3, 8, 10, 1).train("m", DATA),
            ProjectedKMeansTrainer.kmeans(8, 10, 1).train("m", DATA))) {
      Codebook decoded =
          CodebookCodec.deserialize(codebook.method(), CodebookCodec.serialize(codebook));
      assertEquals(codebook.method(), decoded.method());
      for (float[] x : DATA.subList(0, 50)) {
        assertArrayEquals(codebook.assign(x).codes(), decoded.assign(x).codes());
      }
    }
  }
}
