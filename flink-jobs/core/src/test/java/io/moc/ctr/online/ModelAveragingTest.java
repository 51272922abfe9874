package io.moc.ctr.online;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moc.ctr.metrics.Auc;
import io.moc.ctr.online.ModelAveraging.Key;
import io.moc.ctr.online.ModelAveraging.Merged;
import io.moc.ctr.online.ModelAveraging.Part;
import io.moc.ctr.online.ModelAveraging.Role;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelAveragingTest {

  private static final Key KEY = Key.of(Role.CURRENT, SyntheticStream.VERSION);

  private static OnlineCtrTrainer trainer() {
    return OnlineCtrTrainer.create(
        SyntheticStream.config().build(),
        SyntheticStream.CONTRACT,
        SyntheticStream.settings().build());
  }

  @Test
  void shouldSetParametersInPlaceAndKeepTraining() {
    try (OnlineCtrTrainer a = trainer();
        OnlineCtrTrainer b = trainer()) {
      new SyntheticStream(1).next(640).forEach(a::accept);
      b.setParameters(a.parameters());
      float[][] set = b.parameters();
      float[][] source = a.parameters();
      for (int p = 0; p < set.length; p++) {
        assertArrayEquals(source[p], set[p]);
      }
      new SyntheticStream(2).next(64).forEach(b::accept);
      assertTrue(b.parameters()[0] != null && b.modelSteps() == 1);
      float[][] wrong = {new float[3]};
      assertThrows(IllegalArgumentException.class, () -> b.setParameters(wrong));
    }
  }

  @Test
  void shouldSumEveryReplicasChangeOntoTheBase() {
    try (OnlineCtrTrainer a = trainer();
        OnlineCtrTrainer b = trainer()) {
      float[][] base = a.parameters();
      new SyntheticStream(1).next(320).forEach(a::accept);
      new SyntheticStream(2).next(192).forEach(b::accept);
      float[][] va = a.parameters();
      float[][] vb = b.parameters();
      Part pa =
          new Part(
              0, 1, 320, List.of(ModelAveraging.contribution(Role.CURRENT, a, base, va, false)));
      Part pb =
          new Part(
              1, 1, 192, List.of(ModelAveraging.contribution(Role.CURRENT, b, base, vb, false)));
      // Handed in out of order: merged in replica order all the same.
      ModelAveraging.Round round = ModelAveraging.merge(List.of(pb, pa), Map.of(KEY, base));
      assertEquals(512, round.impressionsTrained());
      Merged merged = round.models().get(KEY);
      assertEquals(512, merged.examplesTrained());
      assertEquals(2, merged.replicas());
      assertTrue(merged.current());
      for (int p = 0; p < base.length; p++) {
        for (int i = 0; i < base[p].length; i++) {
          float expected = base[p][i] + (va[p][i] - base[p][i]) + (vb[p][i] - base[p][i]);
          assertEquals(expected, merged.values()[p][i], 1e-6f);
        }
      }
      double auc =
          (a.windowAuc() * a.windowCount() + b.windowAuc() * b.windowCount())
              / (a.windowCount() + b.windowCount());
      assertEquals(auc, merged.windowAuc(), 1e-12);
    }
  }

  @Test
  void shouldTakeTheMeanOfAModelWithoutABase() {
    try (OnlineCtrTrainer a = trainer();
        OnlineCtrTrainer b = trainer()) {
      new SyntheticStream(1).next(128).forEach(a::accept);
      new SyntheticStream(2).next(128).forEach(b::accept);
      float[][] va = a.parameters();
      float[][] vb = b.parameters();
      List<Part> parts =
          List.of(
              new Part(
                  0,
                  1,
                  128,
                  List.of(ModelAveraging.contribution(Role.CURRENT, a, null, va, false))),
              new Part(
                  1,
                  1,
                  128,
                  List.of(ModelAveraging.contribution(Role.CANDIDATE, b, null, vb, false))));
      Merged merged = ModelAveraging.merge(parts, Map.of()).models().get(KEY);
      for (int p = 0; p < va.length; p++) {
        for (int i = 0; i < va[p].length; i++) {
          assertEquals((va[p][i] + vb[p][i]) * 0.5f, merged.values()[p][i], 1e-6f);
        }
      }
      // Weighted by what each trained: a replica that starts empty does not dilute the other.
      try (OnlineCtrTrainer fresh = trainer()) {
        List<Part> rescaled =
            List.of(
                parts.get(0),
                new Part(
                    2,
                    1,
                    0,
                    List.of(
                        ModelAveraging.contribution(
                            Role.CURRENT, fresh, null, fresh.parameters(), false))));
        Merged weighted = ModelAveraging.merge(rescaled, Map.of()).models().get(KEY);
        for (int p = 0; p < va.length; p++) {
          assertArrayEquals(va[p], weighted.values()[p], 1e-6f);
        }
      }
      // One replica's candidate and another's current of the same version are one model.
      assertEquals(1, ModelAveraging.merge(parts, Map.of()).models().size());
      Part deltaOnly =
          new Part(0, 2, 0, List.of(ModelAveraging.contribution(Role.CURRENT, a, va, va, true)));
      assertNull(deltaOnly.models().get(0).values());
      assertThrows(
          IllegalArgumentException.class, () -> ModelAveraging.merge(List.of(deltaOnly), Map.of()));
    }
  }

  @Test
  void shouldReadBackAPartAndRefuseADamagedOne() {
    try (OnlineCtrTrainer a = trainer()) {
      new SyntheticStream(1).next(64).forEach(a::accept);
      float[][] values = a.parameters();
      Part part =
          new Part(
              3,
              17,
              64,
              List.of(
                  ModelAveraging.contribution(Role.CURRENT, a, null, values, false),
                  ModelAveraging.contribution(Role.CONTROL, a, values, values, true)));
      byte[] bytes = part.toBytes();
      Part back = Part.fromBytes(bytes);
      assertEquals(3, back.replica());
      assertEquals(17, back.round());
      assertEquals(64, back.impressionsTrained());
      assertEquals(part.models().get(0).key(), back.models().get(0).key());
      assertEquals(Role.CONTROL, back.models().get(1).role());
      assertNull(back.models().get(1).values());
      for (int p = 0; p < values.length; p++) {
        assertArrayEquals(values[p], back.models().get(0).values()[p]);
      }
      bytes[bytes.length / 2] ^= 1;
      assertThrows(IllegalArgumentException.class, () -> Part.fromBytes(bytes));
      assertThrows(
          IllegalArgumentException.class,
          () -> Part.fromBytes(java.util.Arrays.copyOf(part.toBytes(), 100)));
    }
  }

  @Test
  void shouldKeepWhatAReplicaTrainedWhileItsRoundWasOpen() {
    float[][] merged = {{1f, 2f}};
    float[][] handedIn = {{0.5f, 0.5f}};
    float[][] now = {{0.75f, 0.25f}};
    assertArrayEquals(
        new float[] {1.25f, 1.75f}, ModelAveraging.withLocalProgress(merged, now, handedIn)[0]);
  }

  /**
   * Two replicas, each on every other example and summed every four batches, predict held-out
   * impressions about as well as one trainer on all of them.
   */
  @Test
  void shouldLearnAsOneTrainerDoesWhenTwoReplicasAverageEveryFewBatches() {
    SyntheticStream stream = new SyntheticStream(9);
    List<CtrExample> train = stream.next(6400);
    List<CtrExample> held = stream.next(2000);
    try (OnlineCtrTrainer single = trainer();
        OnlineCtrTrainer a = trainer();
        OnlineCtrTrainer b = trainer()) {
      train.forEach(single::accept);
      float[][] base = a.parameters();
      int perRound = 4 * 64 * 2;
      for (int from = 0; from < train.size(); from += perRound) {
        for (int i = from; i < Math.min(train.size(), from + perRound); i++) {
          (i % 2 == 0 ? a : b).accept(train.get(i));
        }
        float[][] va = a.parameters();
        float[][] vb = b.parameters();
        List<Part> parts = new ArrayList<>();
        parts.add(
            new Part(
                0, 1, 0, List.of(ModelAveraging.contribution(Role.CURRENT, a, base, va, false))));
        parts.add(
            new Part(
                1, 1, 0, List.of(ModelAveraging.contribution(Role.CURRENT, b, base, vb, false))));
        base = ModelAveraging.merge(parts, Map.of(KEY, base)).models().get(KEY).values();
        a.setParameters(base);
        b.setParameters(base);
      }
      double one = auc(single, held);
      double two = auc(a, held);
      assertTrue(one > 0.75, "one trainer learns the task: " + one);
      assertEquals(one, two, 0.02, "two replicas " + two + " vs one " + one);
    }
  }

  private static double auc(OnlineCtrTrainer trainer, List<CtrExample> examples) {
    float[] scores =
        trainer.score(
            examples.stream().map(e -> e.userId).toArray(String[]::new),
            examples.stream().map(e -> e.itemId).toArray(String[]::new),
            examples.stream().map(e -> e.codes).toArray(int[][]::new));
    float[] labels = new float[examples.size()];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = examples.get(i).clicked ? 1f : 0f;
    }
    return Auc.of(scores, labels);
  }
}
