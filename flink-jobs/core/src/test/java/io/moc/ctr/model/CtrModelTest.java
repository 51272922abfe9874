package io.moc.ctr.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.pytorch.jni.JniUtils;
import io.moc.ctr.model.CtrModelConfig.Backbone;
import io.moc.ctr.model.CtrModelConfig.FieldRole;
import io.moc.ctr.model.CtrModelConfig.Fusion;
import io.moc.ctr.model.CtrModelConfig.ItemRepresentation;
import io.moc.testing.OneTorchThread;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

@ExtendWith(OneTorchThread.class)
class CtrModelTest {

  private static final CtrTestData DATA = CtrTestData.generate(64, 0.05, 5);

  static Stream<CtrModelConfig> combinations() {
    return CtrTestData.validCombinations().stream();
  }

  private static String describe(CtrModelConfig c) {
    return c.backbone() + "/" + c.representation() + "/" + c.fusion();
  }

  @Test
  void everyBackboneRepresentationAndFusionCombinationIsCovered() {
    // 3 backbones × (NONE, ADAPTER and CODE_VECTORS without fusion, CODES/ME/UNIFIED,
    // CODES_AND_ADAPTER and CODES_AND_CODE_VECTORS with any of 6 fusions)
    assertEquals(3 * (3 + 5 * 6), CtrTestData.validCombinations().size());
  }

  @ParameterizedTest
  @EnumSource(Backbone.class)
  void aFusionAfterTheInteractionIsTheSameModuleInsideTheBackbone(Backbone backbone) {
    for (Fusion[] pair :
        new Fusion[][] {{Fusion.GATE, Fusion.GATE_AFTER}, {Fusion.MLP, Fusion.MLP_AFTER}}) {
      CtrModelConfig before = CtrTestData.config().backbone(backbone).fusion(pair[0]).build();
      CtrModelConfig after = CtrTestData.config().backbone(backbone).fusion(pair[1]).build();
      try (CtrModel b = CtrTestData.model(before, 1);
          CtrModel a = CtrTestData.model(after, 1)) {
        assertEquals(b.parameterCount(), a.parameterCount(), describe(after));
        List<String> beforeNames = fusionParameters(b);
        List<String> afterNames = fusionParameters(a);
        assertFalse(beforeNames.isEmpty());
        assertEquals(beforeNames.size(), afterNames.size());
        assertTrue(
            beforeNames.stream().noneMatch(n -> n.contains("backbone")), beforeNames::toString);
        assertTrue(afterNames.stream().allMatch(n -> n.contains("backbone")), afterNames::toString);
        // Same inputs, same initial embeddings: only where the module sits differs.
        assertFalse(Arrays.equals(b.predict(DATA.all()), a.predict(DATA.all())), describe(after));
      }
    }
  }

  private static List<String> fusionParameters(CtrModel model) {
    return model.parameterValues().keySet().stream().filter(n -> n.contains("fusion")).toList();
  }

  @ParameterizedTest
  @MethodSource("combinations")
  void predictsOneProbabilityPerExampleAndTrainsToAFiniteLoss(CtrModelConfig config) {
    try (CtrModel model = CtrTestData.model(config, 1)) {
      float[] p = model.predict(DATA.batch(0, 7));
      assertEquals(7, p.length, describe(config));
      for (float v : p) {
        assertTrue(v > 0 && v < 1, describe(config) + ": " + v);
      }
      float loss = model.trainStep(DATA.batch(0, 16));
      assertTrue(Float.isFinite(loss) && loss > 0, describe(config));
      assertEquals(1, model.steps());
      assertEquals(1, model.predict(DATA.batch(3, 4)).length);
    }
  }

  @ParameterizedTest
  @MethodSource("combinations")
  void backwardReachesEveryParameterIncludingTheFusionModule(CtrModelConfig config) {
    try (CtrModel model = CtrTestData.model(config, 1)) {
      model.backward(DATA.all());
      Map<String, float[]> gradients = model.gradients();
      assertEquals(model.parameterValues().keySet(), gradients.keySet());
      if (config.fusion() != Fusion.NONE) {
        assertTrue(
            gradients.keySet().stream().anyMatch(name -> name.contains("fusion")),
            describe(config));
      }
      for (Map.Entry<String, float[]> g : gradients.entrySet()) {
        float max = 0;
        for (float v : g.getValue()) {
          assertTrue(Float.isFinite(v), describe(config) + " " + g.getKey());
          max = Math.max(max, Math.abs(v));
        }
        assertTrue(max > 0, describe(config) + ": no gradient reaches " + g.getKey());
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Fusion.class)
  void oneStepChangesEveryParameter(Fusion fusion) {
    CtrModelConfig config =
        CtrTestData.config().backbone(Backbone.DCNV2).fusion(fusion).learningRate(1e-2f).build();
    try (CtrModel model = CtrTestData.model(config, 1)) {
      Map<String, float[]> before = model.parameterValues();
      model.trainStep(DATA.all());
      Map<String, float[]> after = model.parameterValues();
      for (String name : before.keySet()) {
        assertFalse(Arrays.equals(before.get(name), after.get(name)), name + " did not move");
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Backbone.class)
  void aSavedAndLoadedModelPredictsExactlyAsTheOriginal(Backbone backbone, @TempDir Path dir)
      throws Exception {
    CtrModelConfig config =
        CtrTestData.config()
            .backbone(backbone)
            .representation(ItemRepresentation.MULTI_EMBEDDING)
            .embeddingSets(2)
            .fusion(Fusion.GATE)
            .dropout(0.2f)
            .build();
    try (CtrModel model = CtrTestData.model(config, 17)) {
      for (int s = 0; s < 3; s++) {
        model.trainStep(DATA.batch(16 * s, 16 * s + 16));
      }
      float[] expected = model.predict(DATA.all());
      Path file = dir.resolve("model.bin");
      model.save(file);
      try (CtrModel loaded = CtrModel.load(file)) {
        assertArrayEquals(expected, loaded.predict(DATA.all()));
        assertEquals(17, loaded.codebookVersion());
        assertEquals(config, loaded.config());
        assertEquals(3, loaded.steps());
        assertEquals(model.parameterCount(), loaded.parameterCount());
        // A loaded model keeps training.
        assertTrue(Float.isFinite(loaded.trainStep(DATA.batch(0, 16))));
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      model.save(out);
      assertArrayEquals(Files.readAllBytes(file), out.toByteArray());
      try (CtrModel loaded = CtrModel.load(new ByteArrayInputStream(out.toByteArray()))) {
        assertArrayEquals(expected, loaded.predict(DATA.all()));
      }
    }
  }

  @Test
  void aTrainingCheckpointContinuesBitIdenticallyWhereThePublishedArtifactRestartsAdam() {
    CtrModelConfig config =
        CtrTestData.config().fusion(Fusion.GATE).dropout(0.3f).weightDecay(1e-3f).build();
    try (CtrModel model = CtrTestData.model(config, 4)) {
      for (int s = 0; s < 3; s++) {
        model.trainStep(DATA.batch(16 * s, 16 * s + 16));
      }
      byte[] checkpoint = model.toBytes(true);
      byte[] artifact = model.toBytes();
      try (CtrModel resumed = CtrModel.fromBytes(checkpoint);
          CtrModel restarted = CtrModel.fromBytes(artifact)) {
        assertArrayEquals(checkpoint, resumed.toBytes(true));
        assertArrayEquals(artifact, resumed.toBytes());
        for (CtrModel m : List.of(model, resumed, restarted)) {
          for (int s = 3; s >= 0; s--) {
            m.trainStep(DATA.batch(16 * s, 16 * s + 16));
          }
        }
        assertArrayEquals(model.predict(DATA.all()), resumed.predict(DATA.all()));
        assertArrayEquals(model.toBytes(true), resumed.toBytes(true));
        assertFalse(Arrays.equals(model.predict(DATA.all()), restarted.predict(DATA.all())));
      }
    }
  }

  @Test
  void remappingCodesAveragesTheListedRowsCopiesTheRestAndKeepsUnlistedCodeRowsFresh() {
    CtrModelConfig config = CtrTestData.config().build();
    int k = CtrTestData.K + 1;
    int[][][] sources = new int[CtrTestData.M][k][];
    for (int m = 0; m < CtrTestData.M; m++) {
      for (int v = 0; v < k; v++) {
        sources[m][v] = new int[] {v};
      }
    }
    sources[0][1] = new int[] {1, 1, 2}; // weighted: two items had old code 0, one old code 1
    sources[0][2] = new int[0]; // nobody has new code 1
    try (CtrModel model = CtrTestData.model(config, 1);
        CtrModel fresh = CtrTestData.model(config, 2)) {
      model.trainStep(DATA.all());
      try (CtrModel remapped = model.remapCodes(2, sources)) {
        assertEquals(2, remapped.codebookVersion());
        assertEquals(model.steps(), remapped.steps());
        // Code field 0's rows follow the user, item, brand and category rows (CODES
        // representation).
        int first =
            (CtrTestData.USERS + 1)
                + (CtrTestData.ITEMS + 1)
                + (CtrTestData.BRANDS + 1)
                + (CtrTestData.CATEGORIES + 1);
        int rows = first + CtrTestData.M * k;
        Map<String, float[]> before = model.parameterValues();
        Map<String, float[]> after = remapped.parameterValues();
        Map<String, float[]> initial = fresh.parameterValues();
        int tables = 0;
        for (String name : before.keySet()) {
          float[] old = before.get(name);
          float[] now = after.get(name);
          if (old.length % rows != 0 || !(name.contains("table") || name.contains("linear"))) {
            assertArrayEquals(old, now, name);
            continue;
          }
          tables++;
          int width = old.length / rows;
          for (int r = 0; r < rows; r++) {
            for (int d = 0; d < width; d++) {
              int at = r * width + d;
              float expected =
                  r == first + 1
                      ? (float)
                          ((2.0 * old[(first + 1) * width + d] + old[(first + 2) * width + d]) / 3)
                      : r == first + 2 ? initial.get(name)[at] : old[at];
              assertEquals(expected, now[at], name + " row " + r);
            }
          }
        }
        assertEquals(2, tables, "the embedding table and DeepFM's first-order weights");
      }
      assertThrows(IllegalArgumentException.class, () -> model.remapCodes(2, new int[2][][]));
    }
  }

  @Test
  void codeRowsFromOutsideReplaceTheWideTablesRowsAtTheInitialisersScale() {
    CtrModelConfig config = CtrTestData.config().build();
    int k = CtrTestData.K + 1;
    int width = config.embeddingDim();
    float[][][] rows = new float[CtrTestData.M][][];
    rows[1] = new float[k][];
    for (int v = 1; v < k; v++) {
      rows[1][v] = new float[width];
      rows[1][v][v % width] = 100f * v; // far from the initialiser's scale
    }
    try (CtrModel model = CtrTestData.model(config, 1);
        CtrModel initialised = model.withCodeRows(rows)) {
      int first =
          (CtrTestData.USERS + 1)
              + (CtrTestData.ITEMS + 1)
              + (CtrTestData.BRANDS + 1)
              + (CtrTestData.CATEGORIES + 1)
              + k; // code field 0 before field 1
      int total = first - k + CtrTestData.M * k;
      Map<String, float[]> before = model.parameterValues();
      Map<String, float[]> after = initialised.parameterValues();
      int replaced = 0;
      for (String name : before.keySet()) {
        float[] old = before.get(name);
        float[] now = after.get(name);
        if (old.length != (long) total * width || !name.contains("table")) {
          assertArrayEquals(old, now, name + ": not a table as wide as the rows");
          continue;
        }
        replaced++;
        double ownSquares = 0;
        double newSquares = 0;
        for (int r = 0; r < total; r++) {
          for (int d = 0; d < width; d++) {
            int at = r * width + d;
            boolean given = r > first && r < first + k;
            if (!given) {
              assertEquals(old[at], now[at], name + " row " + r + " kept");
            } else if (d != (r - first) % width) {
              assertEquals(0f, now[at], 1e-9, "the given row's shape");
            }
            if (r >= first && r < first + k) {
              ownSquares += old[at] * old[at];
              newSquares += given ? now[at] * now[at] : 0;
            }
          }
        }
        // The given rows carry the field's root mean square, not their own 100s.
        assertEquals(ownSquares / k, newSquares / (k - 1), ownSquares / k * 1e-3);
      }
      assertEquals(1, replaced, "the embedding table; DeepFM's first-order weights are 1 wide");
      assertEquals(model.steps(), initialised.steps());
      assertTrue(Float.isFinite(initialised.predict(DATA.all())[0]));
    }
    assertThrows(
        IllegalArgumentException.class,
        () -> {
          try (CtrModel model = CtrTestData.model(config, 1)) {
            model.withCodeRows(new float[1][][]);
          }
        });
  }

  @Test
  void anAdapterModelRoundTripsToo() {
    CtrModelConfig config =
        CtrTestData.config()
            .backbone(Backbone.AUTOINT_PLUS)
            .representation(ItemRepresentation.ADAPTER)
            .build();
    try (CtrModel model = CtrTestData.model(config, 2)) {
      model.trainStep(DATA.all());
      try (CtrModel loaded = CtrModel.fromBytes(model.toBytes())) {
        assertArrayEquals(model.predict(DATA.all()), loaded.predict(DATA.all()));
      }
    }
  }

  @Test
  void aCorruptedOrTruncatedArtifactIsRejected() {
    byte[] artifact;
    try (CtrModel model = CtrModel.create(CtrTestData.config().fusion(Fusion.GATE).build(), 1)) {
      artifact = model.toBytes();
    }
    for (int position : new int[] {0, 12, artifact.length / 2, artifact.length - 1}) {
      byte[] corrupted = artifact.clone();
      corrupted[position] ^= 0x10;
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> CtrModel.fromBytes(corrupted));
      assertTrue(e.getMessage().contains("checksum"), e.getMessage());
    }
    assertThrows(
        IllegalArgumentException.class,
        () -> CtrModel.fromBytes(Arrays.copyOf(artifact, artifact.length - 40)));
    assertThrows(IllegalArgumentException.class, () -> CtrModel.fromBytes(new byte[10]));
  }

  @Test
  void theSameSeedGivesTheSamePredictionsAfterTheSameTrainingAndAnotherSeedDoesNot() {
    CtrModelConfig config =
        CtrTestData.config()
            .backbone(Backbone.AUTOINT_PLUS)
            .fusion(Fusion.ATTENTION)
            .dropout(0.3f)
            .weightDecay(1e-3f)
            .build();
    float[] first = trainAndPredict(config);
    assertArrayEquals(first, trainAndPredict(config));
    assertFalse(Arrays.equals(first, trainAndPredict(config.toBuilder().seed(4).build())));
  }

  private static float[] trainAndPredict(CtrModelConfig config) {
    try (CtrModel model = CtrTestData.model(config, 1)) {
      for (int s = 0; s < 4; s++) {
        model.trainStep(DATA.batch(16 * s, 16 * s + 16));
      }
      return model.predict(DATA.all());
    }
  }

  @Test
  void trainingAndPredictingLeaveNoArraysBehind() {
    CtrModelConfig config =
        CtrTestData.config().backbone(Backbone.AUTOINT_PLUS).fusion(Fusion.GATE).build();
    try (CtrModel model = CtrTestData.model(config, 1)) {
      model.trainStep(DATA.all()); // creates the optimiser's moments
      int live = model.liveArrays();
      for (int s = 0; s < 4; s++) {
        model.trainStep(DATA.batch(16 * s, 16 * s + 16));
        model.predict(DATA.all());
      }
      assertEquals(live, model.liveArrays());
    }
  }

  @Test
  void modelsTrainingInParallelThreadsStayIndependentAndDeterministic() throws Exception {
    CtrModelConfig config =
        CtrTestData.config().backbone(Backbone.DCNV2).fusion(Fusion.GATE).dropout(0.2f).build();
    float[] sequential = trainAndPredict(config);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Callable<float[]> task =
          () -> {
            // PyTorch's thread count is per thread: pin it here too, for identical sums.
            JniUtils.setNumThreads(1);
            return trainAndPredict(config);
          };
      List<Future<float[]>> results = pool.invokeAll(List.of(task, task));
      for (Future<float[]> r : results) {
        assertArrayEquals(sequential, r.get());
      }
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void embeddingRowsShowWhatTheUnifiedHashedIdSaves() {
    CtrModelConfig codes = CtrTestData.config().build();
    try (CtrModel withIds = CtrModel.create(codes, 1);
        CtrModel unified =
            CtrModel.create(
                codes.toBuilder().representation(ItemRepresentation.UNIFIED).build(), 1);
        CtrModel multi =
            CtrModel.create(
                codes.toBuilder()
                    .representation(ItemRepresentation.MULTI_EMBEDDING)
                    .embeddingSets(3)
                    .build(),
                1)) {
      Map<FieldRole, Long> rows = withIds.embeddingRows();
      assertEquals(CtrTestData.ITEMS + 1L, rows.get(FieldRole.ITEM_ID));
      assertFalse(rows.containsKey(FieldRole.HASHED_ITEM_ID));
      assertEquals((long) CtrTestData.M * (CtrTestData.K + 1), rows.get(FieldRole.CODE));
      Map<FieldRole, Long> unifiedRows = unified.embeddingRows();
      assertFalse(unifiedRows.containsKey(FieldRole.ITEM_ID));
      assertEquals(CtrTestData.BUCKETS + 1L, unifiedRows.get(FieldRole.HASHED_ITEM_ID));
      assertEquals(
          withIds.totalEmbeddingRows() - CtrTestData.ITEMS + CtrTestData.BUCKETS,
          unified.totalEmbeddingRows());
      assertEquals(3 * withIds.totalEmbeddingRows(), multi.totalEmbeddingRows());
      assertTrue(unified.parameterCount() < withIds.parameterCount());
      assertTrue(multi.parameterCount() > 2 * withIds.parameterCount());
    }
  }

  @Test
  void invalidCombinationsAreRejectedWhenConfigured() {
    CtrModelConfig.Builder base = CtrTestData.config();
    List<CtrModelConfig.Builder> invalid =
        List.of(
            base.toString().isEmpty()
                ? base
                : CtrTestData.config().fusion(Fusion.GATE).representation(ItemRepresentation.NONE),
            CtrTestData.config().representation(ItemRepresentation.ADAPTER).fusion(Fusion.MLP),
            CtrTestData.config().representation(ItemRepresentation.ADAPTER).denseDimension(0),
            CtrTestData.config().representation(ItemRepresentation.MULTI_EMBEDDING),
            CtrTestData.config().embeddingSets(2),
            CtrTestData.config().embeddingDim(5),
            CtrTestData.config().dropout(1f),
            CtrModelConfig.builder().user(3).representation(ItemRepresentation.CODES),
            CtrModelConfig.builder().codes(2, 4).representation(ItemRepresentation.UNIFIED));
    for (CtrModelConfig.Builder b : invalid) {
      assertThrows(IllegalArgumentException.class, b::build);
    }
  }

  @Test
  void indicesOutsideAFieldsVocabularyAndMissingInputsAreRejected() {
    try (CtrModel model = CtrModel.create(CtrTestData.config().build(), 1)) {
      int[][] bad = {DATA.fields[0].clone()};
      bad[0][5] = CtrTestData.K + 1;
      assertThrows(IllegalArgumentException.class, () -> model.predict(CtrBatch.of(bad, null)));
      bad[0][5] = -1;
      assertThrows(IllegalArgumentException.class, () -> model.predict(CtrBatch.of(bad, null)));
      int[][] narrow = {Arrays.copyOf(DATA.fields[0], 4)};
      assertThrows(IllegalArgumentException.class, () -> model.predict(CtrBatch.of(narrow, null)));
      assertThrows(
          IllegalArgumentException.class, () -> model.trainStep(CtrBatch.of(DATA.fields, null)));
      // Unknown values (index 0) are fine, and the dense input is not needed without an adapter.
      int[][] unknown = {new int[DATA.fields[0].length]};
      assertEquals(1, model.predict(CtrBatch.of(unknown, null)).length);
    }
    CtrModelConfig adapter =
        CtrTestData.config().representation(ItemRepresentation.ADAPTER).build();
    try (CtrModel model = CtrModel.create(adapter, 1)) {
      assertThrows(
          IllegalArgumentException.class, () -> model.predict(CtrBatch.of(DATA.fields, null)));
    }
  }
}
