package io.moc.codebook;

import static io.moc.codebook.ClusteredData.clustered;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProjectedKMeansCodebookTest {

  @Test
  void shouldTrainTheSameCodebookForTheSameSeed() {
    List<float[]> data = clustered(400, 24, 10, 0.1, 1);
    Codebook a = new ProjectedKMeansTrainer(3, 16, 8, 20, 7).train("m", data);
    Codebook b = new ProjectedKMeansTrainer(3, 16, 8, 20, 7).train("m", data);
    assertArrayEquals(CodebookCodec.serialize(a), CodebookCodec.serialize(b));
    for (float[] x : data.subList(0, 50)) {
      assertArrayEquals(a.assign(x).codes(), b.assign(x).codes());
    }
  }

  @Test
  void shouldRepresentAnItemByTheCodeVectorsOfItsCodes() {
    List<float[]> data = clustered(300, 16, 5, 0.2, 2);
    Codebook codebook = new ProjectedKMeansTrainer(4, 8, 6, 15, 3).train("m", data);
    for (float[] x : data.subList(0, 20)) {
      int[] codes = codebook.assign(x).codes();
      float[] represented = codebook.represent(x);
      int width = represented.length / codes.length;
      for (int m = 0; m < codes.length; m++) {
        assertArrayEquals(
            java.util.Arrays.copyOfRange(represented, m * width, (m + 1) * width),
            codebook.codeVector(m, codes[m]));
      }
    }
    org.junit.jupiter.api.Assertions.assertThrows(
        IndexOutOfBoundsException.class, () -> codebook.codeVector(0, 8));
  }

  @Test
  void shouldGiveOneCodePerCodebookWithinRange() {
    List<float[]> data = clustered(300, 16, 5, 0.2, 2);
    Codebook codebook = new ProjectedKMeansTrainer(4, 8, 6, 15, 3).train("m", data);
    for (float[] x : data) {
      int[] codes = codebook.assign(x).codes();
      assertEquals(4, codes.length);
      for (int c : codes) {
        assertTrue(c >= 0 && c < 8, "code " + c);
      }
    }
  }

  @Test
  void shouldSeparateClustersAndUseTheCodesOnClusteredData() {
    int clusters = 16;
    List<float[]> data = clustered(1600, 32, clusters, 0.05, 3);
    Codebook codebook = new ProjectedKMeansTrainer(2, clusters, 16, 30, 4).train("m", data);
    Map<String, Double> stats = CodeStatistics.of(codebook, data);
    // Each codebook alone sees 16 well separated clusters: nearly every code is used, and items of
    // one cluster share their tuple while different clusters rarely do.
    assertTrue(stats.get("usage") >= 0.9, "usage " + stats);
    assertTrue(stats.get("distinct_tuples") >= clusters * 0.9, "tuples " + stats);
  }

  @Test
  void shouldLowerQuantizationErrorThanASingleCentroid() {
    List<float[]> data = clustered(500, 16, 8, 0.1, 5);
    double one =
        CodeStatistics.of(new ProjectedKMeansTrainer(2, 1, 8, 10, 1).train("m", data), data)
            .get("quantization_error");
    double many =
        CodeStatistics.of(new ProjectedKMeansTrainer(2, 8, 8, 10, 1).train("m", data), data)
            .get("quantization_error");
    assertTrue(many < one * 0.5, "error with 8 codes " + many + " vs 1 code " + one);
  }

  @Test
  void shouldRoundTripThroughTheArtifactWithTheSameAssignments() {
    List<float[]> data = clustered(200, 12, 4, 0.3, 6);
    Codebook codebook = new ProjectedKMeansTrainer(3, 8, 4, 10, 9).train("model-x", data);
    byte[] artifact = CodebookCodec.serialize(codebook);
    Codebook decoded = CodebookCodec.deserialize(codebook.method(), artifact);
    assertEquals("model-x", decoded.embeddingModel());
    assertEquals(12, decoded.dimension());
    for (float[] x : data) {
      Assignment expected = codebook.assign(x);
      Assignment actual = decoded.assign(x);
      assertArrayEquals(expected.codes(), actual.codes());
      assertEquals(expected.error(), actual.error(), 0f);
    }
  }

  @Test
  void shouldRejectTruncatedOrCorruptArtifacts() {
    Codebook codebook =
        new ProjectedKMeansTrainer(1, 4, 4, 5, 1).train("m", clustered(50, 8, 2, 0.1, 1));
    byte[] artifact = CodebookCodec.serialize(codebook);
    byte[] truncated = java.util.Arrays.copyOf(artifact, artifact.length - 7);
    assertThrows(
        IllegalArgumentException.class,
        () -> CodebookCodec.deserialize(codebook.method(), truncated));
    byte[] nan = CorruptArtifacts.withLastFloatNaN(artifact);
    assertThrows(
        IllegalArgumentException.class, () -> CodebookCodec.deserialize(codebook.method(), nan));
    assertThrows(
        IllegalArgumentException.class, () -> CodebookCodec.deserialize("rqvae", artifact));
  }

  @Test
  void shouldRejectAnArtifactDeclaringMoreValuesThanItHoldsWithoutAllocatingThem()
      throws Exception {
    byte[] header =
        CorruptArtifacts.headerOnly(ProjectedKMeansCodebook.METHOD, 8192, 64, 65536, 8192);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> CodebookCodec.deserialize(ProjectedKMeansCodebook.METHOD, header));
    assertTrue(e.getMessage().contains("too short"), e.getMessage());
  }

  @Test
  void shouldRefuseEmbeddingsOfTheWrongDimension() {
    Codebook codebook =
        new ProjectedKMeansTrainer(1, 4, 4, 5, 1).train("m", clustered(50, 8, 2, 0.1, 1));
    assertThrows(IllegalArgumentException.class, () -> codebook.assign(new float[7]));
  }
}
