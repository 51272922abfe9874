package io.moc.ctr.online;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moc.ctr.metrics.Auc;
import io.moc.ctr.metrics.LogLoss;
import io.moc.ctr.model.CtrBatch;
import io.moc.ctr.model.CtrModel;
import io.moc.ctr.model.CtrModelConfig;
import io.moc.testing.OneTorchThread;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(OneTorchThread.class)
class OnlineCtrTrainerTest {

  private static final FeatureContract CONTRACT = SyntheticStream.CONTRACT;

  private static OnlineCtrTrainer trainer(CtrModelConfig config, TrainerSettings settings) {
    return OnlineCtrTrainer.create(config, CONTRACT, settings);
  }

  private static void feed(OnlineCtrTrainer trainer, List<CtrExample> examples) {
    examples.forEach(trainer::accept);
  }

  private static float[] probe(OnlineCtrTrainer trainer, List<CtrExample> examples) {
    return trainer.score(
        examples.stream().map(e -> e.userId).toArray(String[]::new),
        examples.stream().map(e -> e.itemId).toArray(String[]::new),
        examples.stream().map(e -> e.codes).toArray(int[][]::new));
  }

  private static float[] labels(List<CtrExample> examples) {
    float[] labels = new float[examples.size()];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = examples.get(i).clicked ? 1f : 0f;
    }
    return labels;
  }

  @Test
  void aBatchIsScoredBeforeTheModelTrainsOnIt() {
    CtrModelConfig config = SyntheticStream.config().build();
    List<CtrExample> batch = new SyntheticStream(1).next(64);
    float[] fresh;
    try (CtrModel model = CtrModel.create(config, SyntheticStream.VERSION)) {
      int[][] rows =
          batch.stream().map(e -> CONTRACT.row(e.userId, e.itemId, e.codes)).toArray(int[][]::new);
      fresh = model.predict(CtrBatch.of(rows, null));
    }
    try (OnlineCtrTrainer trainer = trainer(config, SyntheticStream.settings().build())) {
      feed(trainer, batch.subList(0, 63));
      // An incomplete batch is neither scored nor trained on.
      assertEquals(0, trainer.windowCount());
      assertEquals(63, trainer.pendingExamples());
      assertArrayEquals(fresh, probe(trainer, batch));

      trainer.accept(batch.get(63));
      assertEquals(64, trainer.windowCount());
      assertEquals(64, trainer.examplesTrained());
      assertEquals(1, trainer.modelSteps());
      // The window holds the untrained model's predictions...
      float[] labels = labels(batch);
      assertEquals(Auc.of(fresh, labels), trainer.windowAuc());
      assertEquals(LogLoss.of(fresh, labels), trainer.windowLogLoss(), 1e-12);
      // ...and the model has trained on the batch since.
      assertFalse(Arrays.equals(fresh, probe(trainer, batch)));
    }
  }

  @Test
  void learnsAClickRuleCarriedByACodeAndTheSlidingAucRises() {
    SyntheticStream stream = new SyntheticStream(2);
    try (OnlineCtrTrainer trainer =
        trainer(SyntheticStream.config().build(), SyntheticStream.settings().build())) {
      // The first two batches: predictions of the untrained model and after one step.
      feed(trainer, stream.next(128));
      double early = trainer.windowAuc();
      feed(trainer, stream.next(5872));
      double late = trainer.windowAuc();
      // The rule caps the AUC near 0.80 (click rates 0.7 against 0.1, half the items each).
      assertTrue(late > 0.75, "AUC early " + early + ", late " + late);
      assertTrue(late > early + 0.1, "AUC early " + early + ", late " + late);
      assertTrue(trainer.windowLogLoss() < 0.55, "logloss " + trainer.windowLogLoss());
      assertEquals(6000, trainer.examplesSeen());
      assertEquals(6000 / 64 * 64, trainer.examplesTrained());
      assertEquals(stream.nextAged(0).eventTime - 10, trainer.lastEventTime());
    }
  }

  @Test
  void theColdStartWindowCountsOnlyExamplesOfYoungItems() {
    TrainerSettings settings = SyntheticStream.settings().coldStartAgeMs(60_000).build();
    SyntheticStream stream = new SyntheticStream(3);
    try (OnlineCtrTrainer trainer = trainer(SyntheticStream.config().build(), settings)) {
      int young = 0;
      for (int i = 0; i < 640; i++) {
        // Just under, at, and well over the age limit: only the first is young.
        long age = i % 3 == 0 ? 59_999 : i % 3 == 1 ? 60_000 : 86_400_000;
        young += age < 60_000 ? 1 : 0;
        trainer.accept(stream.nextAged(age));
      }
      assertEquals(640, trainer.windowCount());
      assertEquals(young, trainer.coldStartCount());
      assertTrue(Double.isFinite(trainer.coldStartLogLoss()));
    }
    // Every example young: the cold-start window is the whole window.
    stream = new SyntheticStream(3);
    try (OnlineCtrTrainer trainer = trainer(SyntheticStream.config().build(), settings)) {
      for (int i = 0; i < 640; i++) {
        trainer.accept(stream.nextAged(0));
      }
      assertEquals(trainer.windowAuc(), trainer.coldStartAuc());
      assertEquals(trainer.windowLogLoss(), trainer.coldStartLogLoss());
    }
  }

  @Test
  void retrainingOnTheReplayWindowLowersItsLossAndLeavesThePrequentialMetricsAlone() {
    SyntheticStream stream = new SyntheticStream(4);
    try (OnlineCtrTrainer trainer =
        trainer(
            SyntheticStream.config().learningRate(3e-3f).build(),
            SyntheticStream.settings().build())) {
      feed(trainer, stream.next(2500));
      assertEquals(2000, trainer.replaySize());
      double auc = trainer.windowAuc();
      double before = trainer.replayLogLoss();
      double lastPass = trainer.retrain(3);
      double after = trainer.replayLogLoss();
      assertTrue(after < before - 0.01, "replay logloss " + before + " -> " + after);
      assertTrue(Double.isFinite(lastPass));
      assertEquals(3 * 32, trainer.replaySteps()); // 2000 examples in batches of 64
      assertEquals(auc, trainer.windowAuc());
      assertEquals(2496, trainer.examplesTrained());
    }
  }

  @Test
  void aRestoredSnapshotContinuesAsTheUninterruptedRunDoes() {
    // Dropout and weight decay too: every source of state has to survive.
    CtrModelConfig config = SyntheticStream.config().dropout(0.2f).weightDecay(1e-3f).build();
    TrainerSettings settings = SyntheticStream.settings().coldStartAgeMs(3_600_001L).build();
    SyntheticStream stream = new SyntheticStream(5);
    List<CtrExample> first = stream.next(1000);
    List<CtrExample> second = stream.next(30);
    List<CtrExample> rest = stream.next(1500);
    List<CtrExample> probes = stream.next(200);
    try (OnlineCtrTrainer uninterrupted = trainer(config, settings)) {
      feed(uninterrupted, first);
      uninterrupted.retrain(1);
      byte[] withoutPartialBatch = uninterrupted.snapshot();
      feed(uninterrupted, second);
      byte[] snapshot = uninterrupted.snapshot();
      assertEquals(1030 % 64, uninterrupted.pendingExamples());
      try (OnlineCtrTrainer restored = OnlineCtrTrainer.restore(snapshot);
          OnlineCtrTrainer lostPartialBatch = OnlineCtrTrainer.restore(withoutPartialBatch)) {
        // Restoring is exact: every byte of state agrees before training goes on.
        assertArrayEquals(snapshot, restored.snapshot());
        for (OnlineCtrTrainer t : List.of(uninterrupted, restored, lostPartialBatch)) {
          feed(t, rest);
          t.retrain(2);
          feed(t, rest.subList(0, 100));
        }
        assertEquals(uninterrupted.examplesSeen(), restored.examplesSeen());
        assertEquals(uninterrupted.examplesTrained(), restored.examplesTrained());
        assertEquals(uninterrupted.modelSteps(), restored.modelSteps());
        assertEquals(uninterrupted.replaySteps(), restored.replaySteps());
        assertEquals(uninterrupted.lastEventTime(), restored.lastEventTime());
        assertEquals(uninterrupted.windowCount(), restored.windowCount());
        assertEquals(uninterrupted.coldStartCount(), restored.coldStartCount());
        // Thousands of steps later the two runs agree to float rounding, which MKL does not
        // promise to be bit-identical from run to run; losing only the 6 pending examples of a
        // partial batch moves the predictions by far more than the tolerance.
        float[] expected = probe(uninterrupted, probes);
        float tolerance = 1e-4f;
        assertArrayEquals(expected, probe(restored, probes), tolerance);
        assertTrue(
            maxDifference(expected, probe(lostPartialBatch, probes)) > 10 * tolerance,
            "a restore that loses the partial batch must be told apart");
        assertEquals(uninterrupted.windowAuc(), restored.windowAuc(), 1e-4);
        assertEquals(uninterrupted.windowLogLoss(), restored.windowLogLoss(), 1e-4);
        assertEquals(uninterrupted.coldStartAuc(), restored.coldStartAuc(), 1e-4);
        assertEquals(uninterrupted.coldStartLogLoss(), restored.coldStartLogLoss(), 1e-4);
      }
    }
  }

  @Test
  void aPassRunInChunksTrainsAsAPassRunAtOnce() {
    CtrModelConfig config = SyntheticStream.config().build();
    List<CtrExample> examples = new SyntheticStream(6).next(1300);
    List<CtrExample> probes = new SyntheticStream(60).next(200);
    try (OnlineCtrTrainer atOnce = trainer(config, SyntheticStream.settings().build())) {
      feed(atOnce, examples);
      // A twin: two fresh models would not start from the same weights.
      OnlineCtrTrainer chunked = OnlineCtrTrainer.restore(atOnce.snapshot());
      double lastPass = atOnce.retrain(2);
      chunked.beginRetrain(2);
      int calls = 1;
      while (chunked.retrainSteps(3, Long.MAX_VALUE)) {
        calls++;
      }
      assertFalse(chunked.retraining());
      // 1280 examples in the window (20 of 1300 still pending): 20 batches per epoch, 40 in all,
      // 3 per call.
      assertEquals(40, chunked.replaySteps());
      assertEquals(14, calls);
      assertEquals(atOnce.replaySteps(), chunked.replaySteps());
      assertArrayEquals(probe(atOnce, probes), probe(chunked, probes), 1e-6f);
      assertFalse(chunked.retrainSteps(3, Long.MAX_VALUE), "nothing left to train");
      assertEquals(40, chunked.replaySteps());
      assertTrue(Double.isFinite(lastPass));
      chunked.close();
    }
  }

  @Test
  void aPassReplaysTheWindowAsItWasWhenItBeganWhileOnlineTrainingGoesOn() {
    try (OnlineCtrTrainer trainer =
        trainer(SyntheticStream.config().build(), SyntheticStream.settings().build())) {
      SyntheticStream stream = new SyntheticStream(7);
      feed(trainer, stream.next(640));
      trainer.beginRetrain(1);
      assertThrows(IllegalStateException.class, () -> trainer.beginRetrain(1));
      assertTrue(trainer.retrainSteps(2, Long.MAX_VALUE));
      // Examples keep coming between the steps: scored, trained and remembered as usual.
      feed(trainer, stream.next(640));
      assertEquals(1280, trainer.examplesTrained());
      assertEquals(1000, trainer.windowCount(), "all scored: the metric window is full");
      assertEquals(1280, trainer.replaySize());
      while (trainer.retrainSteps(2, Long.MAX_VALUE)) {
        // The rest of the pass.
      }
      assertEquals(640 / 64, trainer.replaySteps(), "one epoch over the 640 of the window then");
    }
  }

  @Test
  void aSnapshotTakenMidPassRestoresThePassWhereItStood() {
    CtrModelConfig config = SyntheticStream.config().dropout(0.2f).build();
    TrainerSettings settings = SyntheticStream.settings().build();
    SyntheticStream stream = new SyntheticStream(8);
    List<CtrExample> first = stream.next(1280);
    List<CtrExample> between = stream.next(320);
    List<CtrExample> probes = stream.next(200);
    try (OnlineCtrTrainer uninterrupted = trainer(config, settings)) {
      feed(uninterrupted, first);
      byte[] beforePass = uninterrupted.snapshot();
      uninterrupted.beginRetrain(2);
      uninterrupted.retrainSteps(5, Long.MAX_VALUE);
      byte[] midPass = uninterrupted.snapshot();
      try (OnlineCtrTrainer restored = OnlineCtrTrainer.restore(midPass);
          OnlineCtrTrainer passLost = OnlineCtrTrainer.restore(beforePass)) {
        assertTrue(restored.retraining());
        assertEquals(5, restored.replaySteps());
        assertArrayEquals(midPass, restored.snapshot());
        for (OnlineCtrTrainer t : List.of(uninterrupted, restored)) {
          feed(t, between);
          while (t.retrainSteps(7, Long.MAX_VALUE)) {
            // To the end of both epochs.
          }
        }
        // The control: the same weights and examples, without the pass.
        feed(passLost, between);
        assertEquals(2 * 1280 / 64, restored.replaySteps());
        float[] expected = probe(uninterrupted, probes);
        float tolerance = 1e-4f;
        assertArrayEquals(expected, probe(restored, probes), tolerance);
        assertTrue(
            maxDifference(expected, probe(passLost, probes)) > 10 * tolerance,
            "a restore that loses the pass must be told apart");
      }
    }
  }

  private static float maxDifference(float[] a, float[] b) {
    float max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(a[i] - b[i]));
    }
    return max;
  }

  @Test
  void aCorruptedSnapshotIsRejected() {
    try (OnlineCtrTrainer trainer =
        trainer(SyntheticStream.config().build(), SyntheticStream.settings().build())) {
      feed(trainer, new SyntheticStream(6).next(100));
      byte[] snapshot = trainer.snapshot();
      for (int position : new int[] {0, 40, snapshot.length / 2, snapshot.length - 1}) {
        byte[] corrupted = snapshot.clone();
        corrupted[position] ^= 0x01;
        IllegalArgumentException e =
            assertThrows(IllegalArgumentException.class, () -> OnlineCtrTrainer.restore(corrupted));
        assertTrue(e.getMessage().contains("checksum"), e.getMessage());
      }
      assertThrows(
          IllegalArgumentException.class,
          () -> OnlineCtrTrainer.restore(Arrays.copyOf(snapshot, 20)));
    }
  }

  @Test
  void anExampleOfAnotherCodebookVersionIsRejectedAndChangesNothing() {
    SyntheticStream stream = new SyntheticStream(7);
    try (OnlineCtrTrainer trainer =
        trainer(SyntheticStream.config().build(), SyntheticStream.settings().build())) {
      feed(trainer, stream.next(70));
      byte[] before = trainer.snapshot();
      CtrExample other = stream.nextAged(0);
      other.codebookVersion = SyntheticStream.VERSION + 1;
      CodebookVersionMismatchException e =
          assertThrows(CodebookVersionMismatchException.class, () -> trainer.accept(other));
      assertEquals(SyntheticStream.VERSION, e.expected());
      assertEquals(SyntheticStream.VERSION + 1, e.actual());
      CtrExample badCode = stream.nextAged(0);
      badCode.codes[1] = SyntheticStream.K;
      assertThrows(IllegalArgumentException.class, () -> trainer.accept(badCode));
      assertArrayEquals(before, trainer.snapshot());
    }
  }

  @Test
  void aWarmStartForANewVersionReadsItsCodesAndPredictsAsTheOldModelOnRenamedCodes() {
    SyntheticStream stream = new SyntheticStream(8);
    long newVersion = SyntheticStream.VERSION + 1;
    try (OnlineCtrTrainer old =
        trainer(SyntheticStream.config().build(), SyntheticStream.settings().build())) {
      feed(old, stream.next(1500));
      // The new codebooks only rename the codes: a different permutation per codebook.
      Map<String, int[]> renamed = new HashMap<>();
      stream.codes.forEach(
          (item, c) -> {
            int[] n = new int[c.length];
            for (int m = 0; m < c.length; m++) {
              n[m] = (c[m] * 3 + m + 1) % SyntheticStream.K;
            }
            renamed.put(item, n);
          });
      try (OnlineCtrTrainer warm = old.warmStartFor(newVersion, stream.codes, renamed)) {
        assertEquals(newVersion, warm.codebookVersion());
        assertEquals(newVersion, warm.artifact().codebookVersion());
        assertEquals(0, warm.examplesSeen());
        List<CtrExample> probes = stream.next(300);
        float[] before = probe(old, probes);
        List<CtrExample> recoded =
            probes.stream()
                .map(
                    e -> {
                      CtrExample n = copy(e);
                      n.codebookVersion = newVersion;
                      n.codes = renamed.get(e.itemId);
                      return n;
                    })
                .toList();
        assertArrayEquals(before, probe(warm, recoded));
        // The old codes now mean other things to the new model.
        assertFalse(Arrays.equals(before, probe(warm, probes)));
        // It trains on the new version's examples and refuses the old one's.
        assertThrows(CodebookVersionMismatchException.class, () -> warm.accept(probes.get(0)));
        feed(warm, recoded);
        assertEquals(recoded.size() / 64 * 64, warm.examplesTrained());
        assertEquals(SyntheticStream.VERSION, old.codebookVersion());
      }
    }
  }

  @Test
  void aWarmStartKeepsUnchangedCodesAndMovesMergedAndUnusedOnes() {
    SyntheticStream stream = new SyntheticStream(9);
    long newVersion = SyntheticStream.VERSION + 1;
    try (OnlineCtrTrainer old =
        trainer(SyntheticStream.config().build(), SyntheticStream.settings().build())) {
      feed(old, stream.next(1500));
      // Every item keeps its codes except that old first code 1 becomes 0: code 0 of the first
      // codebook merges two old codes, and nobody has code 1 any more.
      Map<String, int[]> merged = new HashMap<>();
      stream.codes.forEach(
          (item, c) -> {
            int[] n = c.clone();
            n[0] = c[0] == 1 ? 0 : c[0];
            merged.put(item, n);
          });
      try (OnlineCtrTrainer warm = old.warmStartFor(newVersion, stream.codes, merged)) {
        String item = stream.codes.keySet().iterator().next();
        int[] codes = merged.get(item);
        // Items whose codes did not change score as before.
        for (Map.Entry<String, int[]> e : stream.codes.entrySet()) {
          if (e.getValue()[0] > 1) {
            assertEquals(
                old.score("u", e.getKey(), e.getValue()),
                warm.score("u", e.getKey(), e.getValue()));
          }
        }
        assertNotEquals(
            old.score("u", item, new int[] {0, codes[1], codes[2]}),
            warm.score("u", item, new int[] {0, codes[1], codes[2]}));
        // Nobody maps to code 1 of the first codebook: it starts from a fresh row, not the old one.
        // (CtrModelTest checks the rows themselves.)
        assertNotEquals(
            old.score("u", item, new int[] {1, codes[1], codes[2]}),
            warm.score("u", item, new int[] {1, codes[1], codes[2]}));
      }
    }
  }

  private static CtrExample copy(CtrExample e) {
    CtrExample n = new CtrExample();
    n.impressionId = e.impressionId;
    n.userId = e.userId;
    n.itemId = e.itemId;
    n.codebookVersion = e.codebookVersion;
    n.codes = e.codes.clone();
    n.clicked = e.clicked;
    n.eventTime = e.eventTime;
    n.itemFirstSeen = e.itemFirstSeen;
    return n;
  }
}
