package io.moc.ctr.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moc.ctr.model.CtrModelConfig.Fusion;
import io.moc.ctr.model.CtrModelConfig.ItemRepresentation;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The representations that carry code vectors: the adapter over the item's chosen code vectors,
 * in-model, alone (CODE_VECTORS) or beside the embedded codes (CODES_AND_CODE_VECTORS).
 */
class CodeVectorsModelTest {

  private static final int M = 2;
  private static final int K = 4;
  private static final int WIDTH = 3;

  private static CtrModelConfig config(ItemRepresentation representation) {
    boolean codes =
        representation == ItemRepresentation.CODES_AND_ADAPTER
            || representation == ItemRepresentation.CODES_AND_CODE_VECTORS;
    return CtrModelConfig.builder()
        .representation(representation)
        .fusion(codes ? Fusion.MLP : Fusion.NONE)
        .user(11)
        .itemId(11)
        .codes(M, K)
        .denseDimension(M * WIDTH)
        .embeddingDim(8)
        .mlpSizes(16)
        .seed(5)
        .build();
  }

  private static float[][] vectors(long seed) {
    Random random = new Random(seed);
    float[][] v = new float[M][K * WIDTH];
    for (float[] field : v) {
      for (int i = 0; i < field.length; i++) {
        field[i] = (float) random.nextGaussian();
      }
    }
    return v;
  }

  private static int[][] rows(int n, long seed) {
    Random random = new Random(seed);
    int[][] rows = new int[n][];
    for (int i = 0; i < n; i++) {
      // Code index 0 (no codes) now and then: its vectors are zeros.
      rows[i] =
          new int[] {
            1 + random.nextInt(10),
            1 + random.nextInt(10),
            random.nextInt(K + 1),
            1 + random.nextInt(K)
          };
    }
    return rows;
  }

  private static float[][] dense(int[][] rows, float[][] vectors) {
    float[][] dense = new float[rows.length][M * WIDTH];
    for (int i = 0; i < rows.length; i++) {
      for (int m = 0; m < M; m++) {
        int index = rows[i][2 + m];
        if (index > 0) {
          System.arraycopy(vectors[m], (index - 1) * WIDTH, dense[i], m * WIDTH, WIDTH);
        }
      }
    }
    return dense;
  }

  private static float[] labels(int n) {
    float[] labels = new float[n];
    for (int i = 0; i < n; i += 3) {
      labels[i] = 1f;
    }
    return labels;
  }

  @ParameterizedTest
  @CsvSource({"CODE_VECTORS, ADAPTER", "CODES_AND_CODE_VECTORS, CODES_AND_ADAPTER"})
  void shouldPredictAndTrainExactlyAsTheAdapterFedTheChosenCodeVectors(
      ItemRepresentation carrying, ItemRepresentation fed) {
    float[][] vectors = vectors(1);
    int[][] rows = rows(64, 2);
    try (CtrModel codeVectors = CtrModel.create(config(carrying), 1, vectors);
        CtrModel adapter = CtrModel.create(config(fed), 1)) {
      assertEquals(adapter.parameterCount(), codeVectors.parameterCount(), "the same network");
      CtrBatch withDense = new CtrBatch(rows, dense(rows, vectors), labels(64));
      assertArrayEquals(adapter.predict(withDense), codeVectors.predict(CtrBatch.of(rows, null)));
      assertEquals(
          adapter.trainStep(withDense),
          codeVectors.trainStep(new CtrBatch(rows, null, labels(64))));
      float[][] a = adapter.parameterArrays();
      float[][] b = codeVectors.parameterArrays();
      for (int p = 0; p < a.length; p++) {
        assertArrayEquals(a[p], b[p], "parameter " + p + " after one step");
      }
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = ItemRepresentation.class,
      names = {"CODE_VECTORS", "CODES_AND_CODE_VECTORS"})
  void shouldCarryItsCodeVectorsInItsArtifactAndAcrossCheckpoints(ItemRepresentation carrying) {
    float[][] vectors = vectors(1);
    int[][] rows = rows(64, 3);
    try (CtrModel model = CtrModel.create(config(carrying), 1, vectors)) {
      model.trainStep(new CtrBatch(rows, null, labels(64)));
      float[] before = model.predict(CtrBatch.of(rows, null));
      try (CtrModel loaded = CtrModel.fromBytes(model.toBytes());
          CtrModel resumed = CtrModel.fromBytes(model.toBytes(true))) {
        assertArrayEquals(before, loaded.predict(CtrBatch.of(rows, null)));
        assertArrayEquals(before, resumed.predict(CtrBatch.of(rows, null)));
        assertEquals(carrying, loaded.config().representation());
      }
      // Vectors of another version, every trained parameter kept.
      try (CtrModel next = model.withCodeVectors(2, vectors(9))) {
        assertEquals(2, next.codebookVersion());
        float[][] kept = model.parameterArrays();
        float[][] moved = next.parameterArrays();
        for (int p = 0; p < kept.length; p++) {
          assertArrayEquals(kept[p], moved[p]);
        }
        assertTrue(
            !Arrays.equals(before, next.predict(CtrBatch.of(rows, null))),
            "the new version's vectors change the scores");
      }
    }
  }

  @Test
  void shouldRefuseCodeVectorsThatDoNotFit() {
    CtrModelConfig config = config(ItemRepresentation.CODE_VECTORS);
    assertThrows(IllegalArgumentException.class, () -> CtrModel.create(config, 1));
    float[][] short_ = {new float[K * WIDTH], new float[K * WIDTH - 1]};
    assertThrows(IllegalArgumentException.class, () -> CtrModel.create(config, 1, short_));
    float[][] nan = vectors(1);
    nan[1][4] = Float.NaN;
    assertThrows(IllegalArgumentException.class, () -> CtrModel.create(config, 1, nan));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            CtrModelConfig.builder()
                .representation(ItemRepresentation.CODE_VECTORS)
                .user(3)
                .itemId(3)
                .codes(M, K)
                .denseDimension(5)
                .build());
    try (CtrModel model = CtrModel.create(config, 1, vectors(1))) {
      assertThrows(IllegalStateException.class, () -> model.remapCodes(2, new int[M][K + 1][]));
      int[][] bad = {{1, 1, K + 1, 1}};
      assertThrows(IllegalArgumentException.class, () -> model.predict(CtrBatch.of(bad, null)));
    }
  }
}
