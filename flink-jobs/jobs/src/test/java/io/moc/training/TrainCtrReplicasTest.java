package io.moc.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moc.common.Harnesses;
import io.moc.ctr.online.ModelSnapshotEntry;
import io.moc.ctr.online.OnlineCtrTrainer;
import io.moc.testing.OneTorchThread;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.flink.api.common.JobID;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.operators.testutils.MockEnvironmentBuilder;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Two replicas of the CTR trainer, as two subtasks of one job, averaging through the store. */
@ExtendWith(OneTorchThread.class)
class TrainCtrReplicasTest {

  private static final int REPLICAS = 2;
  private static final long INTERVAL = 100;

  @TempDir Path store;

  private final List<Replica> replicas = new ArrayList<>();
  private long now;

  @AfterEach
  void close() throws Exception {
    for (Replica r : replicas) {
      r.close();
    }
  }

  /** One subtask of a job of trainer replicas. */
  private static final class Replica extends AbstractStreamOperatorTestHarness<ModelSnapshotEntry> {
    final TrainCtrOperator trainer;

    Replica(TrainCtrOperator trainer, JobID job, int index, int replicas) throws Exception {
      super(
          trainer,
          new MockEnvironmentBuilder()
              .setJobID(job)
              .setParallelism(replicas)
              .setMaxParallelism(TrainingJob.MAX_TRAINER_REPLICAS)
              .setSubtaskIndex(index)
              .build());
      this.trainer = trainer;
    }

    void example(TrainingExample e) throws Exception {
      trainer.processElement1(new StreamRecord<>(e, 0));
    }
  }

  private void start(JobID job, List<OperatorSubtaskState> restoreFrom) throws Exception {
    start(job, restoreFrom, REPLICAS);
  }

  private void start(JobID job, List<OperatorSubtaskState> restoreFrom, int n) throws Exception {
    replicas.clear();
    for (int i = 0; i < n; i++) {
      OnlineModelSettings settings =
          TestImpressions.model(store.toUri().toString()).withAveragingIntervalMillis(INTERVAL);
      Replica r = new Replica(new TrainCtrOperator(settings, () -> -1), job, i, n);
      r.setProcessingTime(now);
      replicas.add(Harnesses.started(r, null, restoreFrom == null ? null : restoreFrom.get(i)));
    }
  }

  /** Moves every replica's clock on by {@code millis}, in steps, replica 0 first each time. */
  private void advance(long millis) throws Exception {
    for (long t = 0; t < millis; t += 10) {
      now += 10;
      for (Replica r : replicas) {
        r.setProcessingTime(now);
      }
    }
  }

  /** Examples of the learnable task, each to the replica the job sends its user to. */
  private int feed(int n, long version, long seed) throws Exception {
    Random random = new Random(seed);
    for (int i = 0; i < n; i++) {
      int item = random.nextInt(16);
      TrainingExample e = new TrainingExample();
      e.impressionId = "i" + seed + "-" + i;
      e.userId = "u" + random.nextInt(20);
      e.itemId = "item" + item;
      e.codebookVersion = version;
      e.codes =
          version == 1
              ? new int[] {item % 4, (item / 4) % 4}
              : new int[] {(item / 4) % 4, item % 4};
      e.clicked = (item % 4 < 2) != (random.nextDouble() < 0.1);
      e.eventTime = 10_000 + i;
      e.itemFirstSeen = 10_000;
      replicas.get(TrainingJob.replicaOf(e.userId, REPLICAS)).example(e);
    }
    return n;
  }

  private static void assertSameParameters(OnlineCtrTrainer a, OnlineCtrTrainer b) {
    float[][] pa = a.parameters();
    float[][] pb = b.parameters();
    for (int p = 0; p < pa.length; p++) {
      assertArrayEquals(pa[p], pb[p], "parameter " + p);
    }
  }

  /** The mean of two replicas' models weighted by the examples each trained. */
  private static float[][] mean(float[][] a, long wa, float[][] b, long wb) {
    float fa = (float) ((double) wa / (wa + wb));
    float fb = (float) ((double) wb / (wa + wb));
    float[][] m = new float[a.length][];
    for (int p = 0; p < a.length; p++) {
      m[p] = new float[a[p].length];
      for (int i = 0; i < m[p].length; i++) {
        m[p][i] = fa * a[p][i] + fb * b[p][i];
      }
    }
    return m;
  }

  private Path attempts(JobID job) {
    return store.resolve("averaging").resolve(job.toHexString());
  }

  @Test
  void shouldMergeTheReplicasIntoOneModelThatOnlyReplicaZeroPublishes() throws Exception {
    JobID job = new JobID();
    start(job, null);
    int fed = feed(400, 1, 1);
    OnlineCtrTrainer a = replicas.get(0).trainer.current();
    OnlineCtrTrainer b = replicas.get(1).trainer.current();
    assertTrue(a.examplesTrained() > 0 && b.examplesTrained() > 0, "both replicas trained");
    float[][] handedA = a.parameters();
    float[][] handedB = b.parameters();
    long trainedA = a.examplesTrained();
    long trainedB = b.examplesTrained();

    // The first round has no common base: the mean of the two, by the examples each trained.
    advance(INTERVAL + 50);
    assertSameParameters(a, b);
    float[][] first = a.parameters();
    float[][] expected = mean(handedA, trainedA, handedB, trainedB);
    for (int p = 0; p < first.length; p++) {
      assertArrayEquals(expected[p], first[p], 1e-6f);
    }

    // Later rounds sum both replicas' changes onto that base.
    fed += feed(400, 1, 2);
    float[][] changedA = a.parameters();
    float[][] changedB = b.parameters();
    advance(INTERVAL + 50);
    assertSameParameters(a, b);
    float[][] second = a.parameters();
    for (int p = 0; p < second.length; p++) {
      for (int i = 0; i < second[p].length; i++) {
        float sum = first[p][i] + (changedA[p][i] - first[p][i]) + (changedB[p][i] - first[p][i]);
        assertEquals(sum, second[p][i], 1e-5f);
      }
    }
    Path attempt = attempts(job).resolve("attempt-0-fresh");
    assertFalse(Files.exists(attempt.resolve("round-0000000001")), "merged rounds are removed");
    assertTrue(Files.exists(attempt.resolve("round-0000000002")));

    advance(1000);
    List<ModelSnapshotEntry> published = replicas.get(0).extractOutputValues();
    assertEquals(1, published.size(), "replica 0 publishes the merged model");
    assertTrue(replicas.get(1).extractOutputValues().isEmpty(), "replica 1 never publishes");
    ModelSnapshotEntry s = published.get(0);
    assertEquals(fed, s.metrics().get(TrainCtrOperator.IMPRESSIONS_TRAINED_METRIC), 0.0);
    assertEquals(fed, s.metrics().get("examples_trained"), 8.0 * REPLICAS);
    assertEquals(2.0, s.metrics().get("trainer_replicas"));
    assertTrue(s.metrics().get("prequential_auc") > 0.7, s.metrics().toString());
  }

  @Test
  void shouldPromoteANewVersionsModelOnEveryReplicaAtTheSameRound() throws Exception {
    JobID job = new JobID();
    start(job, null);
    feed(400, 1, 1);
    advance(INTERVAL + 50);
    // Only replica 0's users see version 2: replica 1 takes its model from the rounds.
    Random random = new Random(5);
    for (int i = 0; i < 300; i++) {
      int item = random.nextInt(16);
      TrainingExample e = new TrainingExample();
      e.impressionId = "v2-" + i;
      e.userId = "u" + random.nextInt(20);
      e.itemId = "item" + item;
      e.codebookVersion = 2;
      e.codes = new int[] {(item / 4) % 4, item % 4};
      e.clicked = (item % 4 < 2) != (random.nextDouble() < 0.1);
      e.eventTime = 20_000 + i;
      e.itemFirstSeen = 10_000;
      replicas.get(0).example(e);
    }
    assertNotNull(replicas.get(0).trainer.candidate());
    assertNull(replicas.get(1).trainer.candidate());
    assertEquals(1, replicas.get(0).trainer.current().codebookVersion(), "not promoted alone");
    advance(3 * (INTERVAL + 50));
    for (Replica r : replicas) {
      assertEquals(2, r.trainer.current().codebookVersion(), "promoted at the merge");
      assertNull(r.trainer.candidate());
    }
    assertSameParameters(replicas.get(0).trainer.current(), replicas.get(1).trainer.current());
  }

  @Test
  void shouldRestoreEachReplicaAndStartItsRoundsWithTheMeanOfTheirModels() throws Exception {
    JobID job = new JobID();
    start(job, null);
    int fed = feed(400, 1, 1);
    advance(INTERVAL + 50);
    // Replica 1 trains past the last merge before the checkpoint; replica 0 does not.
    Random random = new Random(8);
    for (int i = 0; i < 64; i++) {
      TrainingExample e = new TrainingExample();
      int item = random.nextInt(16);
      e.impressionId = "late-" + i;
      e.userId = "late";
      e.itemId = "item" + item;
      e.codebookVersion = 1;
      e.codes = new int[] {item % 4, (item / 4) % 4};
      e.clicked = item % 4 < 2;
      e.eventTime = 30_000;
      e.itemFirstSeen = 10_000;
      replicas.get(1).example(e);
      fed++;
    }
    float[][] at0 = replicas.get(0).trainer.current().parameters();
    float[][] at1 = replicas.get(1).trainer.current().parameters();
    long trained0 = replicas.get(0).trainer.current().examplesTrained();
    long trained1 = replicas.get(1).trainer.current().examplesTrained();
    List<OperatorSubtaskState> checkpoint = new ArrayList<>();
    for (Replica r : replicas) {
      checkpoint.add(r.snapshot(1, now));
    }
    close();

    // Restored as a new job (from a savepoint), rounds afresh in a folder of its own.
    JobID restored = new JobID();
    start(restored, checkpoint);
    assertArrayEquals(at1[0], replicas.get(1).trainer.current().parameters()[0]);
    advance(INTERVAL + 50);
    assertSameParameters(replicas.get(0).trainer.current(), replicas.get(1).trainer.current());
    // Weighted by what each trained: their checkpoints saw them at different moments.
    float[][] expected = mean(at0, trained0, at1, trained1);
    float[][] actual = replicas.get(0).trainer.current().parameters();
    for (int p = 0; p < actual.length; p++) {
      assertArrayEquals(expected[p], actual[p], 1e-6f);
    }
    try (var listing = Files.list(attempts(restored))) {
      // The harness restores as checkpoint 0, whatever number the snapshot was taken as.
      List<String> folders = listing.map(f -> f.getFileName().toString()).toList();
      assertEquals(List.of("attempt-0-restored-from-chk-0"), folders, "a folder of its own");
    }
    advance(1000);
    List<ModelSnapshotEntry> published = replicas.get(0).extractOutputValues();
    assertFalse(published.isEmpty());
    assertEquals(
        fed,
        published
            .get(published.size() - 1)
            .metrics()
            .get(TrainCtrOperator.IMPRESSIONS_TRAINED_METRIC),
        0.0,
        "every replica's count survives the restore");
  }

  @Test
  void shouldRescaleTheReplicasAndMakeThemWholeAtTheFirstMerge() throws Exception {
    JobID job = new JobID();
    start(job, null);
    int fed = feed(600, 1, 1);
    advance(INTERVAL + 50);
    advance(1000);
    List<OperatorSubtaskState> two = new ArrayList<>();
    for (Replica r : replicas) {
      two.add(r.snapshot(1, now));
    }
    float[][] merged = replicas.get(0).trainer.current().parameters();
    close();
    OperatorSubtaskState all =
        AbstractStreamOperatorTestHarness.repackageState(two.toArray(new OperatorSubtaskState[0]));

    // Up to three: one replica restores with nothing and takes the merged model.
    List<OperatorSubtaskState> three = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      three.add(
          AbstractStreamOperatorTestHarness.repartitionOperatorState(
              all, TrainingJob.MAX_TRAINER_REPLICAS, 2, 3, i));
    }
    start(new JobID(), three, 3);
    long empty = replicas.stream().filter(r -> r.trainer.current() == null).count();
    assertEquals(1, empty, "two partitions for three replicas");
    advance(INTERVAL + 50);
    for (Replica r : replicas) {
      assertNotNull(r.trainer.current(), "every replica has the model after the first merge");
      assertSameParameters(replicas.get(0).trainer.current(), r.trainer.current());
    }
    float[][] after = replicas.get(0).trainer.current().parameters();
    for (int p = 0; p < after.length; p++) {
      assertArrayEquals(merged[p], after[p], 1e-6f, "the empty one does not dilute the model");
    }
    fed += feed(200, 1, 3);
    advance(2 * (INTERVAL + 50));
    advance(1000);
    List<ModelSnapshotEntry> published = replicas.get(0).extractOutputValues();
    ModelSnapshotEntry last = published.get(published.size() - 1);
    assertEquals(3.0, last.metrics().get("trainer_replicas"));
    assertEquals(fed, last.metrics().get(TrainCtrOperator.IMPRESSIONS_TRAINED_METRIC), 0.0);
    List<OperatorSubtaskState> threeAfter = new ArrayList<>();
    for (Replica r : replicas) {
      threeAfter.add(r.snapshot(2, now));
    }
    close();

    // Down to two: one replica restores with two partitions, takes one's models and both counts.
    OperatorSubtaskState allThree =
        AbstractStreamOperatorTestHarness.repackageState(
            threeAfter.toArray(new OperatorSubtaskState[0]));
    List<OperatorSubtaskState> twoAgain = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      twoAgain.add(
          AbstractStreamOperatorTestHarness.repartitionOperatorState(
              allThree, TrainingJob.MAX_TRAINER_REPLICAS, 3, 2, i));
    }
    start(new JobID(), twoAgain, 2);
    fed += feed(200, 1, 4);
    advance(2 * (INTERVAL + 50));
    advance(1000);
    List<ModelSnapshotEntry> down = replicas.get(0).extractOutputValues();
    assertEquals(
        fed,
        down.get(down.size() - 1).metrics().get(TrainCtrOperator.IMPRESSIONS_TRAINED_METRIC),
        0.0);
  }
}
