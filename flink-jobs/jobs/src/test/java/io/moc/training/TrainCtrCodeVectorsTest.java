package io.moc.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moc.common.DeadLetterOutput;
import io.moc.common.DeadLetterReason;
import io.moc.common.DeadLetterRecord;
import io.moc.common.Harnesses;
import io.moc.ctr.model.CtrModel;
import io.moc.ctr.model.CtrModelConfig.ItemRepresentation;
import io.moc.ctr.online.ModelArtifact;
import io.moc.ctr.online.ModelSnapshotEntry;
import io.moc.testing.OneTorchThread;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.util.TwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CTR trainer with {@code moc.training.item-representation: CODE_VECTORS} or {@code
 * CODES_AND_CODE_VECTORS}.
 */
@ExtendWith(OneTorchThread.class)
class TrainCtrCodeVectorsTest {

  @TempDir Path store;

  private TwoInputStreamOperatorTestHarness<TrainingExample, ItemCodesUpdate, ModelSnapshotEntry>
      harness;

  @AfterEach
  void close() throws Exception {
    if (harness != null) {
      harness.close();
    }
  }

  private void feed(int from, int to, long version, long seed) throws Exception {
    Random random = new Random(seed);
    for (int n = 0; n < to; n++) {
      TrainingExample e = TrainCtrOperatorTest.example(n, version, random);
      if (n >= from) {
        harness.processElement1(e, 0);
      }
    }
  }

  /** A trainer reading code vectors from {@code lookup}, fresh or from {@code state}. */
  private static TwoInputStreamOperatorTestHarness<
          TrainingExample, ItemCodesUpdate, ModelSnapshotEntry>
      started(OnlineModelSettings settings, CodebookVectors lookup, OperatorSubtaskState state)
          throws Exception {
    return Harnesses.started(
        new TwoInputStreamOperatorTestHarness<>(new TrainCtrOperator(settings, () -> -1, lookup)),
        null,
        state);
  }

  private List<ModelSnapshotEntry> published() {
    return harness.extractOutputValues();
  }

  private List<DeadLetterRecord> deadLetters() {
    return DeadLetterOutput.of(harness);
  }

  /** Two codebooks of K = 4 codes, M = 2, as the test model reads: version 1's and version 2's. */
  private static float[][] codebookVectors(long seed) {
    return codebookVectors(seed, 6);
  }

  /** As {@link #codebookVectors(long)}, projected to {@code dimension} values (M of them). */
  private static float[][] codebookVectors(long seed, int dimension) {
    Random random = new Random(seed);
    List<float[]> data = new java.util.ArrayList<>();
    for (int i = 0; i < 200; i++) {
      float[] x = new float[12];
      for (int j = 0; j < x.length; j++) {
        x[j] = (float) random.nextGaussian();
      }
      data.add(x);
    }
    try (var codebook =
        new io.moc.codebook.ProjectedKMeansTrainer(2, 4, dimension, 10, seed).train("m", data)) {
      return CtrModel.codeVectorsOf(codebook);
    }
  }

  /** The online representations whose models carry their codebook's code vectors. */
  static List<ItemRepresentation> carryingCodeVectors() {
    return List.of(ItemRepresentation.CODE_VECTORS, ItemRepresentation.CODES_AND_CODE_VECTORS);
  }

  private static final java.util.concurrent.atomic.AtomicInteger CODEBOOK_LOOKUPS =
      new java.util.concurrent.atomic.AtomicInteger();

  @ParameterizedTest
  @MethodSource("carryingCodeVectors")
  void shouldTrainACodeVectorsModelWhoseArtifactScoresFromTheCodesAlone(
      ItemRepresentation representation) throws Exception {
    float[][] v1 = codebookVectors(1);
    float[][] v2 = codebookVectors(2);
    CODEBOOK_LOOKUPS.set(0);
    CodebookVectors lookup =
        version -> {
          CODEBOOK_LOOKUPS.incrementAndGet();
          return version == 1 ? v1 : version == 2 ? v2 : null;
        };
    OnlineModelSettings settings =
        TestImpressions.model(store.toUri().toString()).withItemRepresentation(representation);
    harness = started(settings, lookup, null);
    feed(0, 400, 1, 3);
    TrainCtrOperator operator = (TrainCtrOperator) harness.getOperator();
    assertTrue(operator.current().readsCodeVectors());
    assertEquals(1, CODEBOOK_LOOKUPS.get(), "read once, when the model starts");
    harness.setProcessingTime(1000);
    ModelSnapshotEntry first = published().get(0);
    ModelArtifact artifact = TrainCtrOperatorTest.artifactOf(first);
    try (ModelArtifact.Scorer scorer = artifact.open()) {
      for (int item = 0; item < 16; item++) {
        assertEquals(
            operator.current().score("u1", "item" + item, TrainCtrOperatorTest.codes(item, 1)),
            scorer.score("u1", "item" + item, TrainCtrOperatorTest.codes(item, 1)),
            "the scorer needs only the codes");
      }
    }
    assertTrue(first.metrics().get("prequential_auc") > 0.7, first.metrics().toString());

    // A new version's model starts from this one with its own vectors, and takes over.
    feed(0, 200, 2, 4);
    assertEquals(2, operator.current().codebookVersion());
    assertTrue(operator.current().readsCodeVectors());

    // Without its codebook an example cannot be trained: a dead letter, and no lookup per example.
    int lookups = CODEBOOK_LOOKUPS.get();
    feed(0, 5, 3, 5);
    assertEquals(
        lookups + 1, CODEBOOK_LOOKUPS.get(), "a missing codebook is asked for again later");
    List<DeadLetterRecord> letters = deadLetters();
    assertEquals(5, letters.size());
    for (DeadLetterRecord d : letters) {
      assertEquals(DeadLetterReason.CODEBOOK_UNAVAILABLE.name(), d.reason);
      assertTrue(d.error.contains("version 3"), d.error);
    }
    assertEquals(2, operator.current().codebookVersion(), "the model in use trains on");

    // Restored, the model still carries its vectors: nothing is read again.
    OperatorSubtaskState state = harness.snapshot(1, 1000);
    harness.close();
    CODEBOOK_LOOKUPS.set(0);
    harness = started(settings, lookup, state);
    feed(0, 64, 2, 6);
    assertEquals(0, CODEBOOK_LOOKUPS.get());
    assertTrue(((TrainCtrOperator) harness.getOperator()).current().readsCodeVectors());
  }

  @ParameterizedTest
  @MethodSource("carryingCodeVectors")
  void shouldStartAFreshModelWhenANewVersionsCodeVectorsHaveAnotherWidth(
      ItemRepresentation representation) throws Exception {
    float[][] v1 = codebookVectors(1, 6);
    float[][] v2 = codebookVectors(2, 8);
    OnlineModelSettings settings =
        TestImpressions.model(store.toUri().toString()).withItemRepresentation(representation);
    harness = started(settings, version -> version == 1 ? v1 : version == 2 ? v2 : null, null);
    feed(0, 400, 1, 3);
    TrainCtrOperator operator = (TrainCtrOperator) harness.getOperator();
    assertEquals(1, operator.current().codebookVersion());
    // Version 1's adapter reads 2 x 3 values, version 2's vectors are 2 x 4: no warm start.
    assertFalse(operator.current().fitsCodeVectors(v2));
    feed(0, 400, 2, 4);
    assertEquals(2, operator.current().codebookVersion(), "the fresh model took over");
    assertTrue(operator.current().fitsCodeVectors(v2));
    assertTrue(deadLetters().isEmpty(), deadLetters().toString());
  }
}
