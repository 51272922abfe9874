package io.moc.codebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CodeStatisticsTest {

  /** Four well separated points in 2-d, each the centroid of its own code in a 1-d projection. */
  private static List<float[]> corners(int copies) {
    List<float[]> points = new ArrayList<>();
    for (int c = 0; c < copies; c++) {
      points.add(new float[] {0, 0});
      points.add(new float[] {10, 0});
      points.add(new float[] {0, 10});
      points.add(new float[] {10, 10});
    }
    return points;
  }

  @Test
  void shouldCallCodesThatSeparateEveryItemFullyDiscriminating() {
    List<float[]> points = corners(1);
    Codebook codebook = new ProjectedKMeansTrainer(3, 4, 2, 20, 1).train("m", points);
    Map<String, Double> stats = CodeStatistics.of(codebook, points);
    assertEquals(0.0, stats.get("collision_rate"), 1e-9);
    assertEquals(1.0, stats.get("discriminability"), 1e-9);
    assertEquals(4.0, stats.get("perplexity"), 1e-9, "four codes used equally often");
    assertEquals(1.0, stats.get("usage"), 1e-9);
  }

  @Test
  void shouldCallIdenticalCodesForEveryItemNotDiscriminatingAtAll() {
    List<float[]> points = corners(3);
    Codebook oneCode = new ProjectedKMeansTrainer(2, 1, 2, 5, 1).train("m", points);
    Map<String, Double> stats = CodeStatistics.of(oneCode, points);
    assertEquals(1.0, stats.get("collision_rate"), 1e-9);
    assertEquals(0.0, stats.get("discriminability"), 1e-9);
    assertEquals(1.0, stats.get("perplexity"), 1e-9);
  }

  @Test
  void shouldGiveTheSameMetricsWithoutTheSpectrumBarItsAbundance() {
    List<float[]> points = ClusteredData.clustered(300, 16, 10, 0.3, 5);
    Codebook codebook = new ProjectedKMeansTrainer(3, 8, 4, 10, 1).train("m", points);
    Map<String, Double> all = CodeStatistics.of(codebook, points);
    Map<String, Double> cheap = CodeStatistics.withoutSpectrum(codebook, points);
    assertEquals(
        all.keySet(), cheap.keySet(), "every key, so gauges and reference state keep theirs");
    for (String key : all.keySet()) {
      if (key.equals("information_abundance")) {
        assertTrue(cheap.get(key).isNaN(), "not measured: NaN, not a made-up value");
        assertTrue(all.get(key) >= 1.0);
      } else {
        assertEquals(all.get(key), cheap.get(key), 1e-12, key);
      }
    }
  }

  @Test
  void shouldFindMoreInformationAbundanceWithMoreIndependentCodebooks() {
    List<float[]> points = ClusteredData.clustered(600, 32, 30, 0.3, 4);
    double one =
        CodeStatistics.of(new ProjectedKMeansTrainer(1, 16, 8, 15, 2).train("m", points), points)
            .get("information_abundance");
    double four =
        CodeStatistics.of(new ProjectedKMeansTrainer(4, 16, 8, 15, 2).train("m", points), points)
            .get("information_abundance");
    assertTrue(four > one, "4 codebooks " + four + " vs 1 codebook " + one);
  }
}
