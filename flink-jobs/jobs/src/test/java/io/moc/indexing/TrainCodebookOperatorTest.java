package io.moc.indexing;

import static io.moc.indexing.TestItems.vector;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moc.codebook.CodebookCodec;
import io.moc.common.Harnesses;
import io.moc.common.PublishedVersions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.TwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TrainCodebookOperatorTest {

  // TestItems.settings(): train after 10 items, reservoir of 100, M = 2, K = 4.
  private TwoInputStreamOperatorTestHarness<EmbeddedItem, CodebookEntry, CodebookEntry> harness;
  private TrainCodebookOperator operator;
  private long now;

  private TwoInputStreamOperatorTestHarness<EmbeddedItem, CodebookEntry, CodebookEntry> open(
      PublishedVersions onTopic, OperatorSubtaskState restoreFrom) throws Exception {
    return open(TestItems.settings(), onTopic, restoreFrom);
  }

  private TwoInputStreamOperatorTestHarness<EmbeddedItem, CodebookEntry, CodebookEntry> open(
      IndexingSettings settings, PublishedVersions onTopic, OperatorSubtaskState restoreFrom)
      throws Exception {
    operator = new TrainCodebookOperator(settings, onTopic);
    var harness = new TwoInputStreamOperatorTestHarness<>(operator);
    harness.setProcessingTime(now);
    return Harnesses.started(harness, null, restoreFrom);
  }

  @AfterEach
  void close() throws Exception {
    harness.close();
  }

  /**
   * Feeds items, each followed by whatever a finished training hands back (as the mailbox does).
   */
  private void feed(int from, int to) throws Exception {
    for (int i = from; i < to; i++) {
      harness.processElement1(TestItems.embedded("item-" + i, vector(i), i), 0);
      settle();
    }
  }

  /**
   * Waits for the worker's training in flight, then lets the task thread's poll timer fire: what
   * the operator would have done by the time its next record arrives, when trainings are quick.
   */
  /** Lets the worker finish, and what the task thread started on taking its result over. */
  private void settle() throws Exception {
    while (operator.awaitTraining(Duration.ofMinutes(1))) {
      now += TrainCodebookOperator.POLL_MILLIS;
      harness.setProcessingTime(now);
    }
  }

  @Test
  void shouldPublishVersionOneOnceEnoughItemsAreEmbedded() throws Exception {
    harness = open(() -> -1, null);
    feed(0, 9);
    assertTrue(harness.extractOutputValues().isEmpty());
    feed(9, 30);

    List<CodebookEntry> out = harness.extractOutputValues();
    assertEquals(1, out.size(), "one first version, however many items follow");
    CodebookEntry v1 = out.get(0);
    assertEquals(1, v1.version);
    assertEquals(10, v1.trainedOn);
    assertEquals(CodebookCodec.sha256(v1.artifact), v1.sha256);
    assertEquals(TestItems.DIM, CodebookCodec.deserialize(v1.method, v1.artifact).dimension());
    assertTrue(v1.metrics().containsKey("collision_rate"));
  }

  @Test
  void shouldNotTrainWhenTheTopicAlreadyHoldsAVersion() throws Exception {
    harness = open(() -> 3, null);
    feed(0, 30);
    assertTrue(harness.extractOutputValues().isEmpty(), "version numbers are never reused");
  }

  @Test
  void shouldNotTrainAFirstVersionAfterOneArrivesOnTheStream() throws Exception {
    harness = open(() -> -1, null);
    harness.processElement2(TestItems.codebookVersion(5, 5), 0);
    feed(0, 10);
    assertTrue(harness.extractOutputValues().isEmpty());
  }

  @Test
  void shouldResumeItsSampleAfterARestoreAndNeverPublishTwice() throws Exception {
    harness = open(() -> -1, null);
    feed(0, 6);
    OperatorSubtaskState halfway = harness.snapshot(1, 1);
    harness.close();

    // Restored: the count goes on from 6.
    harness =
        open(
            // Asked only when the version is handed over (was its number taken meanwhile?): the
            // failed attempt's version was never committed, so the topic holds none.
            () -> -1, halfway);
    feed(6, 10);
    assertEquals(1, harness.extractOutputValues().size());
    assertEquals(10, harness.extractOutputValues().get(0).trainedOn);
    OperatorSubtaskState published = harness.snapshot(2, 2);
    harness.close();

    harness = open(() -> -1, published);
    feed(10, 40);
    assertTrue(harness.extractOutputValues().isEmpty(), "version 1 is published once");
  }

  /** Writes the trainer's vectors as managed lists, as the trainer did before they went raw. */
  private static final class ManagedVectorsTrainer extends AbstractStreamOperator<CodebookEntry>
      implements TwoInputStreamOperator<EmbeddedItem, CodebookEntry, CodebookEntry> {
    private final List<float[]> reservoir;
    private final List<Long> counters;
    private transient ListState<float[]> reservoirState;
    private transient ListState<float[]> recentState;
    private transient ListState<Long> countersState;

    ManagedVectorsTrainer(List<float[]> reservoir, List<Long> counters) {
      this.reservoir = reservoir;
      this.counters = counters;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
      super.initializeState(context);
      reservoirState =
          context.getOperatorStateStore().getListState(TrainCodebookOperator.RESERVOIR);
      recentState = context.getOperatorStateStore().getListState(TrainCodebookOperator.RECENT);
      countersState = context.getOperatorStateStore().getListState(TrainCodebookOperator.COUNTERS);
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
      super.snapshotState(context);
      reservoirState.update(reservoir);
      recentState.update(reservoir);
      countersState.update(counters);
    }

    List<float[]> restoredReservoir() throws Exception {
      List<float[]> restored = new ArrayList<>();
      reservoirState.get().forEach(restored::add);
      return restored;
    }

    @Override
    public void processElement1(StreamRecord<EmbeddedItem> element) {}

    @Override
    public void processElement2(StreamRecord<CodebookEntry> element) {}
  }

  @Test
  void shouldRestoreTheSampleOfACheckpointThatHeldItAsManagedListsAndThenEmptyThem()
      throws Exception {
    harness = open(() -> -1, null);
    feed(0, 10);
    CodebookEntry uninterrupted = harness.extractOutputValues().get(0);
    harness.close();

    List<float[]> sixItems = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      sixItems.add(vector(i));
    }
    // seen, newest version, trained at (items, ms), activated at, next training at.
    var legacy = new ManagedVectorsTrainer(sixItems, List.of(6L, -1L, 0L, 0L, 0L, 10L));
    var legacyHarness = new TwoInputStreamOperatorTestHarness<>(legacy);
    Harnesses.started(legacyHarness, null, null);
    OperatorSubtaskState before = legacyHarness.snapshot(1, 1);
    legacyHarness.close();

    harness = open(() -> -1, before);
    feed(6, 10);
    List<CodebookEntry> out = harness.extractOutputValues();
    assertEquals(1, out.size());
    assertEquals(10, out.get(0).trainedOn, "six restored items and four new ones");
    assertEquals(uninterrupted.sha256, out.get(0).sha256, "the same codebook as without a restore");
    OperatorSubtaskState after = harness.snapshot(2, 2);
    harness.close();

    var reader = new ManagedVectorsTrainer(List.of(), List.of());
    var readerHarness = new TwoInputStreamOperatorTestHarness<>(reader);
    Harnesses.started(readerHarness, null, after);
    assertTrue(reader.restoredReservoir().isEmpty(), "the vectors are raw state now");
    readerHarness.close();
  }

  @Test
  void shouldSurviveAFailedTrainingAndTryAgainLater() throws Exception {
    harness = open(() -> -1, null);
    // Embeddings of mixed dimensions make training fail.
    harness.processElement1(TestItems.embedded("odd", new float[3], 0), 0);
    feed(0, 9);
    assertTrue(harness.extractOutputValues().isEmpty());
    assertFalse(operator.trainingInFlight(), "the failure was taken over");

    // Not again with the next item, but once train-after-items (10) more have come.
    harness.processElement1(TestItems.embedded("item-9", vector(9), 9), 0);
    assertFalse(operator.trainingInFlight());
    for (int i = 10; i < 19; i++) {
      harness.processElement1(TestItems.embedded("item-" + i, vector(i), i), 0);
    }
    assertTrue(operator.trainingInFlight(), "tried again on the larger sample");
    settle();
    // The odd embedding is still in the sample: failed again, and nothing published.
    assertTrue(harness.extractOutputValues().isEmpty());
  }

  /** Drift measured every 50 items on the newest 100, no schedule unless given. */
  private static IndexingSettings watching(long retrainIntervalMillis) {
    return TestItems.settings(
        new CodebookLifecycle(
            retrainIntervalMillis, 50, 100, 50, 1.5, 0.5, 0.15, 4, 20, "", 0, true));
  }

  /** Items unlike those the first version was trained on: shifted and spread out. */
  private void feedShifted(int from, int to) throws Exception {
    for (int i = from; i < to; i++) {
      float[] x = vector(i);
      for (int j = 0; j < x.length; j++) {
        x[j] = 4 * x[j] + 3;
      }
      harness.processElement1(TestItems.embedded("item-" + i, x, i), 0);
      settle();
    }
  }

  /** Trains version 1 on 200 items and hands it back as the versions stream would. */
  private CodebookEntry firstVersionActive() throws Exception {
    feed(0, 200);
    CodebookEntry v1 = harness.extractOutputValues().get(0);
    assertEquals(1, v1.version);
    harness.processElement2(v1, 0);
    return v1;
  }

  @Test
  void shouldMeasureLiveQualityOnTheWorkerAndTakeItOverOnTheTaskThread() throws Exception {
    harness = open(watching(0), () -> -1, null);
    firstVersionActive();
    // Version 1 active after 200 items; a window of 100, measured every 50: due at item 300.
    for (int i = 200; i < 300; i++) {
      harness.processElement1(TestItems.embedded("item-" + i, vector(i), i), 0);
    }
    assertTrue(operator.measuringLiveQuality(), "handed to the worker, the items went on");
    assertTrue(operator.liveQuality().isEmpty(), "nothing measured on the task thread");

    settle();
    assertFalse(operator.measuringLiveQuality());
    assertTrue(
        operator.liveQuality().containsKey("quantization_error"),
        "the worker's measurement, taken over by the task thread: " + operator.liveQuality());
    assertEquals(1, harness.extractOutputValues().size(), "the reference, not a drift");
  }

  @Test
  void shouldTrainANewVersionWhenLiveItemsDriftAndNotBefore() throws Exception {
    harness = open(watching(0), () -> -1, null);
    firstVersionActive();
    feed(200, 400);
    assertEquals(1, harness.extractOutputValues().size(), "items like the sample: no drift");

    feedShifted(400, 500);
    List<CodebookEntry> out = harness.extractOutputValues();
    assertEquals(2, out.size(), "drifted items: a new version");
    CodebookEntry v2 = out.get(1);
    assertEquals(2, v2.version);
    // The reservoir (100 of the 500) and the newest 100, the few in both once.
    assertTrue(v2.trainedOn > 150 && v2.trainedOn <= 200, "trained on " + v2.trainedOn);
  }

  @Test
  void shouldTrainANewVersionOnScheduleWhileItemsArrive() throws Exception {
    harness = open(watching(1), () -> -1, null);
    firstVersionActive();
    int i = 200;
    while (harness.extractOutputValues().size() < 2 && i < 10_000) {
      feed(i, i + 10);
      i += 10;
    }
    List<CodebookEntry> out = harness.extractOutputValues();
    assertEquals(2, out.size());
    assertEquals(2, out.get(1).version);
    assertTrue(i >= 250, "not before 50 new items, trained after " + (i - 200));
  }

  @Test
  void shouldKeepWatchingTheActiveVersionAfterARestore() throws Exception {
    harness = open(watching(0), () -> -1, null);
    firstVersionActive();
    feed(200, 300); // the reference window
    OperatorSubtaskState snapshot = harness.snapshot(1, 1);
    harness.close();

    // Version 2 was published meanwhile and rejected by validation: its number is taken.
    harness = open(watching(0), () -> 2, snapshot);
    feedShifted(300, 400);
    List<CodebookEntry> out = harness.extractOutputValues();
    assertEquals(1, out.size());
    assertEquals(3, out.get(0).version, "never a number already on the topic");
  }

  @Test
  void shouldTakeItemsWhileAVersionTrainsAndPublishItOnTheTaskThreadWhenDone() throws Exception {
    harness = open(() -> -1, null);
    for (int i = 0; i < 40; i++) {
      harness.processElement1(TestItems.embedded("item-" + i, vector(i), i), 0);
    }
    assertTrue(operator.trainingInFlight(), "trained by the worker, handed over by a timer");
    assertTrue(harness.extractOutputValues().isEmpty(), "nothing published off the task thread");
    assertTrue(operator.awaitTraining(Duration.ofMinutes(1)));
    harness.setProcessingTime(now + TrainCodebookOperator.POLL_MILLIS);

    List<CodebookEntry> out = harness.extractOutputValues();
    assertEquals(1, out.size());
    assertEquals(10, out.get(0).trainedOn, "the sample as it was when the training started");
    assertTrue(!operator.trainingInFlight());
    assertEquals(
        0,
        harness.getProcessingTimeService().getNumActiveTimers(),
        "no poll timer once nothing is in flight");
  }

  @Test
  void shouldTrainAVersionInFlightAtTheCheckpointAgainOnTheSameSampleAfterARestore()
      throws Exception {
    harness = open(() -> -1, null);
    feed(0, 10);
    CodebookEntry uninterrupted = harness.extractOutputValues().get(0);
    harness.close();

    harness = open(() -> -1, null);
    for (int i = 0; i < 15; i++) {
      harness.processElement1(TestItems.embedded("item-" + i, vector(i), i), 0);
    }
    assertTrue(operator.trainingInFlight());
    OperatorSubtaskState midTraining = harness.snapshot(1, 1);
    // The run that fails after the checkpoint: whatever its worker trains is never published.
    harness.close();

    harness =
        open(
            // Asked only when the version is handed over (was its number taken meanwhile?): the
            // failed attempt's version was never committed, so the topic holds none.
            () -> -1, midTraining);
    settle();
    List<CodebookEntry> out = harness.extractOutputValues();
    assertEquals(1, out.size(), "the version in flight, trained again");
    assertEquals(1, out.get(0).version);
    assertEquals(10, out.get(0).trainedOn, "on the sample of the checkpoint, not the reservoir");
    assertEquals(uninterrupted.sha256, out.get(0).sha256, "the same codebook as without a failure");
    OperatorSubtaskState published = harness.snapshot(2, 2);
    harness.close();

    harness = open(() -> -1, published);
    settle();
    feed(15, 40);
    assertTrue(harness.extractOutputValues().isEmpty(), "version 1 is published once");
  }

  @Test
  void shouldTrainOnTheTaskThreadWhenNotInTheBackground() throws Exception {
    harness =
        open(
            TestItems.settings(TestItems.lifecycle().withTrainInBackground(false)), () -> -1, null);
    for (int i = 0; i < 10; i++) {
      harness.processElement1(TestItems.embedded("item-" + i, vector(i), i), 0);
    }
    assertEquals(1, harness.extractOutputValues().size(), "published with the tenth item");
    assertTrue(!operator.trainingInFlight());
  }

  @Test
  void shouldReplaceTheBootstrapVersionWithOneOfTheConfiguredMethodOnceEnoughItemsArrive()
      throws Exception {
    harness =
        open(
            // No drift can fire: only the bootstrap's replacement trains a second version.
            TestItems.settings(
                new CodebookLifecycle(0, 10, 20, 10, 1e9, 0, 1e9, 4, 20, "", 0, true)
                    .withBootstrap("pq", 100)),
            () -> -1,
            null);
    feed(0, 10);
    CodebookEntry bootstrap = harness.extractOutputValues().get(0);
    assertEquals("pq", bootstrap.method);
    assertEquals(2, bootstrap.numCodebooks, "the configured M");
    assertEquals(4, bootstrap.codebookSize, "the configured K");
    harness.processElement2(bootstrap, 0);
    feed(10, 99);
    assertEquals(1, harness.extractOutputValues().size(), "not before 100 items");

    feed(99, 100);
    List<CodebookEntry> out = harness.extractOutputValues();
    assertEquals(2, out.size());
    assertEquals(2, out.get(1).version);
    assertEquals("projected-kmeans", out.get(1).method);
    assertEquals(100, out.get(1).trainedOn, "every item once: the newest are in the reservoir");
    harness.processElement2(out.get(1), 0);
    feed(100, 300);
    assertEquals(
        2, harness.extractOutputValues().size(), "a version of the method is not replaced");
  }

  @Test
  void shouldTrainTheVqVaeMethodOnTheWorkerThread() throws Exception {
    harness = open(TestItems.settings(TestItems.lifecycle(), "moc"), () -> -1, null);
    feed(0, 12);
    List<CodebookEntry> out = harness.extractOutputValues();
    assertEquals(1, out.size(), "trained off the task thread, published on it");
    assertEquals("moc", out.get(0).method);
  }
}
