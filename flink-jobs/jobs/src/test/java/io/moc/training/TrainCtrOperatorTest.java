package io.moc.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moc.common.DeadLetterOutput;
import io.moc.common.DeadLetterReason;
import io.moc.common.DeadLetterRecord;
import io.moc.common.Harnesses;
import io.moc.common.PublishedVersions;
import io.moc.common.RawRecord;
import io.moc.ctr.online.ModelArtifact;
import io.moc.ctr.online.ModelSnapshotEntry;
import io.moc.ctr.online.OnlineCtrTrainer;
import io.moc.serving.ArtifactOpener;
import io.moc.serving.ModelArtifactReader;
import io.moc.testing.OneTorchThread;
import io.moc.util.Sha256;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
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
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(OneTorchThread.class)
class TrainCtrOperatorTest {

  @TempDir Path store;

  private TwoInputStreamOperatorTestHarness<TrainingExample, ItemCodesUpdate, ModelSnapshotEntry>
      harness;

  @AfterEach
  void close() throws Exception {
    if (harness != null) {
      harness.close();
    }
  }

  private TwoInputStreamOperatorTestHarness<TrainingExample, ItemCodesUpdate, ModelSnapshotEntry>
      open(PublishedVersions published, OperatorSubtaskState restoreFrom) throws Exception {
    return open(TestImpressions.model(store.toUri().toString()), published, restoreFrom);
  }

  private static TwoInputStreamOperatorTestHarness<
          TrainingExample, ItemCodesUpdate, ModelSnapshotEntry>
      open(
          OnlineModelSettings settings,
          PublishedVersions published,
          OperatorSubtaskState restoreFrom)
          throws Exception {
    return Harnesses.started(
        new TwoInputStreamOperatorTestHarness<>(new TrainCtrOperator(settings, published)),
        null,
        restoreFrom);
  }

  /** Item i's codes under codebook version 1; version 2 swaps the two codes. */
  static int[] codes(int item, long version) {
    int a = item % 4;
    int b = (item / 4) % 4;
    return version == 1 ? new int[] {a, b} : new int[] {b, a};
  }

  /** Clicks follow the item's first v1 code: something a model can learn. */
  static TrainingExample example(int n, long version, Random random) {
    int item = random.nextInt(16);
    TrainingExample e = new TrainingExample();
    e.impressionId = "i" + n;
    e.userId = "u" + random.nextInt(10);
    e.itemId = "item" + item;
    e.codebookVersion = version;
    e.codes = codes(item, version);
    e.clicked = (item % 4 < 2) != (random.nextDouble() < 0.1);
    e.eventTime = 10_000 + n;
    e.itemFirstSeen = 10_000;
    return e;
  }

  private void feed(int from, int to, long version, long seed) throws Exception {
    Random random = new Random(seed);
    for (int n = 0; n < to; n++) {
      TrainingExample e = example(n, version, random);
      if (n >= from) {
        harness.processElement1(e, 0);
      }
    }
  }

  private List<DeadLetterRecord> deadLetters() {
    return DeadLetterOutput.of(harness);
  }

  @Test
  void shouldDeadLetterAnExampleWhoseCodesDoNotFitTheModelWithItsImpressionRecord()
      throws Exception {
    harness = open(() -> -1, null);
    feed(0, 50, 1, 3);
    TrainCtrOperator operator = (TrainCtrOperator) harness.getOperator();
    long seen = operator.current().examplesSeen();
    TrainingExample bad = example(50, 1, new Random(9));
    bad.codes = new int[] {1, 2, 3}; // the model reads two codebooks
    bad.source =
        new RawRecord(
            "impressions", 2, 41, 7L, "u1".getBytes(StandardCharsets.UTF_8), new byte[] {1, 2, 3});
    harness.processElement1(bad, 0);

    assertEquals(seen, operator.current().examplesSeen(), "the trainer is unchanged");
    List<DeadLetterRecord> letters = deadLetters();
    assertEquals(1, letters.size());
    DeadLetterRecord d = letters.get(0);
    assertEquals(DeadLetterReason.CODES_DO_NOT_FIT_MODEL.name(), d.reason);
    assertEquals("impressions", d.sourceTopic);
    assertEquals(2, d.partition);
    assertEquals(41, d.offset);
    assertArrayEquals(new byte[] {1, 2, 3}, d.value, "the impression's own bytes");
  }

  private List<ModelSnapshotEntry> published() {
    return harness.extractOutputValues();
  }

  static ModelArtifact artifactOf(ModelSnapshotEntry entry) throws Exception {
    byte[] bytes = Files.readAllBytes(Path.of(URI.create(entry.artifactUri)));
    assertEquals(entry.sha256, Sha256.hex(bytes), "the announced checksum is the file's");
    return ModelArtifact.fromBytes(bytes);
  }

  @Test
  void shouldPublishNumberedSnapshotsOfItsModelOnlyWhenItTrainedSince() throws Exception {
    harness = open(() -> 4, null);
    feed(0, 64, 1, 1);
    harness.setProcessingTime(1000);
    assertEquals(1, published().size());
    ModelSnapshotEntry first = published().get(0);
    assertEquals(5, first.version, "above the highest version on the topic");
    assertEquals(1, first.codebookVersion);
    assertEquals(64, first.examplesSeen);
    assertEquals(1, artifactOf(first).codebookVersion());
    assertTrue(first.metrics().containsKey("prequential_auc"));

    harness.setProcessingTime(2000);
    assertEquals(1, published().size(), "nothing new to publish");
    feed(64, 128, 1, 1);
    harness.setProcessingTime(3000);
    assertEquals(6, published().get(1).version);
  }

  @Test
  void shouldResumeTrainingExactlyFromACheckpointAndNumberAboveWhatWasPublishedSince()
      throws Exception {
    harness = open(() -> -1, null);
    feed(0, 60, 1, 2);
    harness.setProcessingTime(1000);
    OperatorSubtaskState checkpoint = harness.snapshot(1, 1000);
    feed(60, 140, 1, 2);
    harness.setProcessingTime(2000);
    ModelSnapshotEntry uninterrupted = published().get(1);
    harness.close();

    // The failed run's second snapshot reached the topic after the checkpoint (announcements are
    // not transactional): its number is taken.
    harness = open(() -> uninterrupted.version, checkpoint);
    feed(60, 140, 1, 2);
    harness.setProcessingTime(2000);
    ModelSnapshotEntry resumed = published().get(0);
    assertEquals(uninterrupted.version + 1, resumed.version, "never one number twice");
    assertEquals(uninterrupted.sha256, resumed.sha256, "the same model, bit for bit");
    assertEquals(
        uninterrupted.metrics().get("prequential_auc"), resumed.metrics().get("prequential_auc"));
  }

  /**
   * Writes the trainer's state as managed lists, as the operator did before it went raw, or (raw
   * layout 1) the trainers and codes raw with the counters still a managed list.
   */
  private static final class ManagedStateTrainer extends AbstractStreamOperator<ModelSnapshotEntry>
      implements TwoInputStreamOperator<TrainingExample, ItemCodesUpdate, ModelSnapshotEntry> {
    private final List<byte[]> trainers;
    private final List<ItemCodesUpdate> codes;
    private final boolean rawLayoutOne;
    private transient ListState<byte[]> trainersState;
    private transient ListState<ItemCodesUpdate> codesState;
    private transient ListState<Long> countersState;

    ManagedStateTrainer(List<byte[]> trainers, List<ItemCodesUpdate> codes) {
      this(trainers, codes, false);
    }

    ManagedStateTrainer(List<byte[]> trainers, List<ItemCodesUpdate> codes, boolean rawLayoutOne) {
      this.trainers = trainers;
      this.codes = codes;
      this.rawLayoutOne = rawLayoutOne;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
      super.initializeState(context);
      var store = context.getOperatorStateStore();
      trainersState = store.getListState(TrainCtrOperator.TRAINERS);
      codesState = store.getListState(TrainCtrOperator.CODES);
      countersState = store.getListState(TrainCtrOperator.COUNTERS);
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
      super.snapshotState(context);
      if (rawLayoutOne) {
        io.moc.common.RawOperatorState.write(
            context,
            1,
            out -> {
              out.writeInt(trainers.size());
              for (byte[] t : trainers) {
                out.writeInt(t.length);
                out.write(t);
              }
              out.writeBoolean(false);
              out.writeInt(codes.size());
              for (ItemCodesUpdate u : codes) {
                byte[] id = u.itemId.getBytes(StandardCharsets.UTF_8);
                out.writeInt(id.length);
                out.write(id);
                out.writeLong(u.codebookVersion);
                out.writeInt(u.codes.length);
                for (int c : u.codes) {
                  out.writeInt(c);
                }
              }
            });
      } else {
        trainersState.update(trainers);
        codesState.update(codes);
      }
      // Next model version, trained at the last publication, last published version, trained.
      countersState.update(List.of(3L, -1L, 2L, 60L));
    }

    int restoredTrainers() throws Exception {
      int n = 0;
      for (byte[] ignored : trainersState.get()) {
        n++;
      }
      return n;
    }

    @Override
    public void processElement1(StreamRecord<TrainingExample> element) {}

    @Override
    public void processElement2(StreamRecord<ItemCodesUpdate> element) {}
  }

  /** A trained trainer's snapshot, and a checkpoint that holds it in an older layout. */
  private record LegacyCheckpoint(byte[] trainer, OperatorSubtaskState state) {}

  /**
   * Trains a model on 60 examples and writes it, with item3's codes, as a checkpoint of the managed
   * lists (or, with {@code rawLayoutOne}, raw layout 1 with managed counters) would.
   */
  private LegacyCheckpoint legacyCheckpoint(boolean rawLayoutOne) throws Exception {
    harness = open(() -> -1, null);
    feed(0, 60, 1, 2);
    byte[] trainer = ((TrainCtrOperator) harness.getOperator()).current().snapshot();
    harness.close();
    ItemCodesUpdate held = new ItemCodesUpdate();
    held.itemId = "item3";
    held.codebookVersion = 1;
    held.codes = codes(3, 1);
    var writer = new ManagedStateTrainer(List.of(trainer), List.of(held), rawLayoutOne);
    var writerHarness = new TwoInputStreamOperatorTestHarness<>(writer);
    Harnesses.started(writerHarness, null, null);
    OperatorSubtaskState state = writerHarness.snapshot(1, 1);
    writerHarness.close();
    return new LegacyCheckpoint(trainer, state);
  }

  @Test
  void shouldRestoreTrainersThatACheckpointHeldAsManagedListsAndThenEmptyThem() throws Exception {
    LegacyCheckpoint legacy = legacyCheckpoint(false);
    byte[] trainer = legacy.trainer();
    OperatorSubtaskState before = legacy.state();

    harness = open(() -> -1, before);
    TrainCtrOperator restored = (TrainCtrOperator) harness.getOperator();
    assertArrayEquals(trainer, restored.current().snapshot(), "the trainer, exactly");
    feed(60, 140, 1, 2);
    harness.setProcessingTime(1000);
    assertEquals(3, published().get(0).version, "numbered from the restored counters");
    OperatorSubtaskState after = harness.snapshot(2, 1000);
    harness.close();
    harness = open(() -> -1, after);
    assertTrue(harness.getOperator() instanceof TrainCtrOperator);
    harness.close();

    var reader = new ManagedStateTrainer(List.of(), List.of());
    var readerHarness = new TwoInputStreamOperatorTestHarness<>(reader);
    Harnesses.started(readerHarness, null, after);
    assertEquals(0, reader.restoredTrainers(), "the trainers are raw state now");
    readerHarness.close();
    harness = null;
  }

  @Test
  void shouldRestoreRawStateOfTheFirstLayoutWithItsCountersInAManagedList() throws Exception {
    LegacyCheckpoint legacy = legacyCheckpoint(true);
    byte[] trainer = legacy.trainer();
    OperatorSubtaskState before = legacy.state();

    harness = open(() -> -1, before);
    TrainCtrOperator restored = (TrainCtrOperator) harness.getOperator();
    assertArrayEquals(trainer, restored.current().snapshot(), "the trainer, exactly");
    feed(60, 140, 1, 2);
    harness.setProcessingTime(1000);
    ModelSnapshotEntry first = published().get(0);
    assertEquals(3, first.version, "numbered from the restored counters");
    assertEquals(60 + 80, first.metrics().get(TrainCtrOperator.IMPRESSIONS_TRAINED_METRIC), 0.0);
    // Written in the current layout, counters included: restored again without the list.
    OperatorSubtaskState after = harness.snapshot(2, 1000);
    harness.close();
    harness = open(() -> -1, after);
    feed(140, 148, 1, 2);
    harness.setProcessingTime(2000);
    ModelSnapshotEntry next = published().get(0);
    assertEquals(4, next.version);
    assertEquals(148, next.metrics().get(TrainCtrOperator.IMPRESSIONS_TRAINED_METRIC), 0.0);
  }

  @Test
  void shouldWarmStartAModelForANewCodebookVersionAndNeverPublishMixedVersions() throws Exception {
    harness = open(() -> -1, null);
    feed(0, 200, 1, 3);
    harness.setProcessingTime(1000);
    for (int item = 0; item < 16; item++) {
      ItemCodesUpdate u = new ItemCodesUpdate();
      u.itemId = "item" + item;
      u.codebookVersion = 2;
      u.codes = codes(item, 2);
      harness.processElement2(u, 0);
    }
    feed(0, 16, 2, 4);
    TrainCtrOperator operator = (TrainCtrOperator) harness.getOperator();
    assertNotNull(operator.candidate(), "a model for version 2 trains beside version 1's");
    assertEquals(1, operator.current().codebookVersion());
    harness.setProcessingTime(2000);
    assertEquals(2, published().size(), "the candidate trained: the count moves on");
    assertEquals(1, published().get(1).codebookVersion, "but the model published is version 1's");

    feed(16, 200, 2, 4);
    assertNull(operator.candidate(), "promoted once it is at least as good");
    assertEquals(2, operator.current().codebookVersion());
    harness.setProcessingTime(3000);
    // Stale version-1 examples in flight are not trained on: they go to the dead letters.
    long trained = operator.current().examplesTrained();
    feed(0, 8, 1, 5);
    harness.setProcessingTime(4000);
    assertEquals(trained, operator.current().examplesTrained());
    List<DeadLetterRecord> letters = deadLetters();
    assertEquals(8, letters.size());
    for (DeadLetterRecord d : letters) {
      assertEquals(DeadLetterReason.STALE_CODEBOOK_VERSION.name(), d.reason);
      assertTrue(d.error.contains("version 1") && d.error.contains("reads version 2"), d.error);
    }

    List<ModelSnapshotEntry> all = published();
    assertEquals(3, all.size());
    assertEquals(2, all.get(2).codebookVersion);
    for (ModelSnapshotEntry entry : all) {
      assertEquals(entry.codebookVersion, artifactOf(entry).codebookVersion());
    }
    assertTrue(
        all.get(2).metrics().get("prequential_auc") > 0.7,
        "the warm-started model kept what the old one learned: " + all.get(2).metrics());
  }

  @Test
  void shouldTrainTheControlOnTheSameExamplesWithoutEverReadingTheirCodes() throws Exception {
    OnlineModelSettings settings =
        TestImpressions.model(store.toUri().toString()).withControlModel(true);
    harness = open(settings, () -> -1, null);
    // The same impressions with other codes: what the semantic model learns changes, the
    // control's must not.
    var twin = open(settings, () -> -1, null);
    try {
      Random random = new Random(6);
      Random scramble = new Random(7);
      for (int n = 0; n < 300; n++) {
        TrainingExample e = example(n, 1, random);
        harness.processElement1(e, 0);
        TrainingExample other = example(n, 1, new Random(n));
        other.impressionId = e.impressionId;
        other.userId = e.userId;
        other.itemId = e.itemId;
        other.clicked = e.clicked;
        other.codes = new int[] {scramble.nextInt(4), scramble.nextInt(4)};
        twin.processElement1(other, 0);
      }
      TrainCtrOperator operator = (TrainCtrOperator) harness.getOperator();
      TrainCtrOperator twinOperator = (TrainCtrOperator) twin.getOperator();
      assertEquals(300, operator.control().examplesSeen(), "every example the model took");
      assertEquals(operator.current().examplesTrained(), operator.control().examplesTrained());
      assertArrayEquals(operator.control().snapshot(), twinOperator.control().snapshot());
      assertFalse(
          Arrays.equals(operator.current().snapshot(), twinOperator.current().snapshot()),
          "the semantic models read the codes");

      // Examples the semantic model refuses are not the control's either.
      TrainingExample bad = example(300, 1, new Random(9));
      bad.codes = new int[] {1, 2, 3};
      harness.processElement1(bad, 0);
      assertEquals(300, operator.control().examplesSeen());

      harness.setProcessingTime(1000);
      Map<String, Double> metrics = published().get(0).metrics();
      assertEquals(operator.control().windowAuc(), metrics.get("control_prequential_auc"));
      assertEquals(operator.control().coldStartAuc(), metrics.get("control_cold_start_auc"));
      assertEquals(
          metrics.get("cold_start_auc") - metrics.get("control_cold_start_auc"),
          metrics.get("cold_start_auc_lift"),
          1e-12);
      assertEquals(
          metrics.get("prequential_auc") - metrics.get("control_prequential_auc"),
          metrics.get("prequential_auc_lift"),
          1e-12);

      // The control is state: a restored job continues it where it was.
      byte[] control = operator.control().snapshot();
      OperatorSubtaskState checkpoint = harness.snapshot(1, 1000);
      harness.close();
      harness = open(settings, () -> -1, checkpoint);
      assertArrayEquals(control, ((TrainCtrOperator) harness.getOperator()).control().snapshot());
    } finally {
      twin.close();
    }
  }

  @Test
  void shouldTrainNoControlAndPublishNoControlMetricsWhenTheOptionIsOff() throws Exception {
    harness = open(() -> -1, null);
    feed(0, 64, 1, 1);
    harness.setProcessingTime(1000);
    assertNull(((TrainCtrOperator) harness.getOperator()).control());
    assertFalse(published().get(0).metrics().containsKey("control_prequential_auc"));
  }

  /** What the model predicts for a few fixed examples, to compare two runs. */
  private static float[] probe(OnlineCtrTrainer trainer) {
    Random random = new Random(99);
    int n = 32;
    String[] users = new String[n];
    String[] items = new String[n];
    int[][] itemCodes = new int[n][];
    for (int i = 0; i < n; i++) {
      TrainingExample e = example(i, trainer.codebookVersion(), random);
      users[i] = e.userId;
      items[i] = e.itemId;
      itemCodes[i] = e.codes;
    }
    return trainer.score(users, items, itemCodes);
  }

  /** Lets processing time run in the pause steps until no retraining pass is left. */
  private long runPassToTheEnd(long now) throws Exception {
    TrainCtrOperator operator = (TrainCtrOperator) harness.getOperator();
    for (int i = 0; i < 1000 && operator.current().retraining(); i++) {
      now += TrainCtrOperator.RETRAIN_PAUSE_MILLIS;
      harness.setProcessingTime(now);
    }
    assertFalse(operator.current().retraining());
    return now;
  }

  @Test
  void shouldRetrainInStepsWithExamplesTrainedInBetweenAndResumeAPassFromACheckpoint()
      throws Exception {
    // A pass of 2 epochs every second, two training steps at a time.
    OnlineModelSettings settings =
        TestImpressions.model(store.toUri().toString()).withRetraining(1000, 2, 2, 3_600_000);
    harness = open(settings, () -> -1, null);
    TrainCtrOperator operator = (TrainCtrOperator) harness.getOperator();
    feed(0, 100, 1, 1);
    assertEquals(96, operator.current().replaySize());

    harness.setProcessingTime(1000);
    assertTrue(operator.current().retraining(), "begun, and left to the next steps");
    assertEquals(2, operator.current().replaySteps());
    assertEquals(1, published().size(), "publishing does not wait for the pass");

    feed(100, 140, 1, 1);
    assertEquals(136, operator.current().examplesTrained(), "examples trained during the pass");
    harness.setProcessingTime(1000 + TrainCtrOperator.RETRAIN_PAUSE_MILLIS);
    assertEquals(4, operator.current().replaySteps());

    OperatorSubtaskState midPass = harness.snapshot(1, 1005);
    runPassToTheEnd(1005);
    // 96 examples in the window when the pass began: 12 batches of 8, twice.
    assertEquals(24, operator.current().replaySteps());
    float[] uninterrupted = probe(operator.current());
    harness.close();

    harness = open(settings, () -> -1, midPass);
    harness.setProcessingTime(1005);
    TrainCtrOperator restored = (TrainCtrOperator) harness.getOperator();
    assertTrue(restored.current().retraining(), "the pass is part of the checkpoint");
    runPassToTheEnd(1005);
    assertEquals(24, restored.current().replaySteps());
    assertArrayEquals(uninterrupted, probe(restored.current()), 1e-5f);
    assertEquals(136, restored.current().examplesTrained());
  }

  @Test
  void shouldRunAWholePassAtOnceWhenTheChunkTimeIsZero() throws Exception {
    OnlineModelSettings settings =
        TestImpressions.model(store.toUri().toString()).withRetraining(1000, 2, 2, 0);
    harness = open(settings, () -> -1, null);
    TrainCtrOperator operator = (TrainCtrOperator) harness.getOperator();
    feed(0, 100, 1, 1);
    harness.setProcessingTime(1000);
    assertFalse(operator.current().retraining());
    assertEquals(24, operator.current().replaySteps());
  }

  @Test
  void shouldPublishDeltasOnTheLastFullSnapshotThatRebuildTheModelExactly() throws Exception {
    harness =
        open(
            TestImpressions.model(store.toUri().toString()).withFullSnapshotEvery(3),
            () -> -1,
            null);
    TrainCtrOperator operator = (TrainCtrOperator) harness.getOperator();
    ModelArtifactReader reader = new ModelArtifactReader(ArtifactOpener.local());
    for (int i = 0; i < 4; i++) {
      feed(64 * i, 64 * (i + 1), 1, 1);
      harness.setProcessingTime(1000L * (i + 1));
      ModelSnapshotEntry entry = published().get(i);
      reader.remember(entry);
      assertEquals(
          Sha256.hex(operator.current().artifact().toBytes()),
          Sha256.hex(reader.read(entry)),
          "version " + entry.version + " rebuilds the trainer's model bit for bit");
    }
    List<ModelSnapshotEntry> all = published();
    assertFalse(all.get(0).isDelta());
    assertTrue(all.get(1).isDelta());
    assertTrue(all.get(2).isDelta());
    assertEquals(all.get(0).version, all.get(1).baseVersion);
    assertEquals(all.get(0).version, all.get(2).baseVersion, "on the last full one, not a chain");
    assertEquals(all.get(0).sha256, all.get(2).baseSha256);
    assertFalse(all.get(3).isDelta(), "every third a full model");
    long fullBytes = Files.size(Path.of(URI.create(all.get(0).artifactUri)));
    long deltaBytes = Files.size(Path.of(URI.create(all.get(1).artifactUri)));
    assertTrue(deltaBytes < fullBytes, "delta " + deltaBytes + " bytes, full " + fullBytes);

    // A base that changed after its announcement: the delta is refused, not applied to it.
    Path base = Path.of(URI.create(all.get(0).artifactUri));
    byte[] tampered = Files.readAllBytes(base);
    tampered[tampered.length / 2] ^= 1;
    Files.write(base, tampered);
    ModelArtifactReader fresh = new ModelArtifactReader(ArtifactOpener.local());
    all.forEach(fresh::remember);
    IllegalArgumentException refused =
        assertThrows(IllegalArgumentException.class, () -> fresh.read(all.get(2)));
    assertTrue(
        refused.getMessage().contains("version " + all.get(0).version), refused.getMessage());
  }

  @Test
  void shouldStartAFreshModelForACodebookVersionWithAnotherNumberOfCodes() throws Exception {
    harness = open(() -> -1, null);
    feed(0, 64, 1, 1);
    TrainCtrOperator operator = (TrainCtrOperator) harness.getOperator();
    // Version 2 has three codes per item where version 1 had two: no warm start through them.
    Random random = new Random(3);
    for (int n = 0; n < 8; n++) {
      TrainingExample e = example(n, 2, random);
      e.codes = new int[] {e.codes[0], e.codes[1], 1};
      harness.processElement1(e, 0);
    }
    assertNotNull(operator.candidate());
    assertEquals(3, operator.candidate().contract().codebooks());
    assertEquals(8, operator.candidate().examplesSeen());
    assertEquals(2, operator.current().contract().codebooks(), "the current model goes on");
    assertTrue(deadLetters().isEmpty());
  }

  @Test
  void shouldNotPublishAfterARestoreUntilTheTopicSaysWhichNumbersAreTaken() throws Exception {
    harness = open(() -> -1, null);
    feed(0, 64, 1, 1);
    OperatorSubtaskState checkpoint = harness.snapshot(1, 0);
    harness.close();

    boolean[] reachable = {false};
    harness =
        open(
            () -> {
              if (!reachable[0]) {
                throw new IllegalStateException("broker unreachable");
              }
              return 6;
            },
            checkpoint);
    harness.setProcessingTime(1000);
    assertTrue(published().isEmpty(), "no guessed number");
    reachable[0] = true;
    harness.setProcessingTime(2000);
    assertEquals(1, published().size());
    assertEquals(7, published().get(0).version, "above every number on the topic");
  }

  @Test
  void shouldPublishTheCountOfImpressionsACandidateTrainedOnBeforeItIsPromoted() throws Exception {
    harness = open(() -> -1, null);
    feed(0, 64, 1, 1);
    harness.setProcessingTime(1000);
    assertEquals(1, published().size());
    // Examples of version 2 only: the current model does not change, the candidate trains.
    feed(64, 80, 2, 1);
    assertNotNull(((TrainCtrOperator) harness.getOperator()).candidate());
    harness.setProcessingTime(2000);
    assertEquals(2, published().size(), "the count moved: what an audit reconciles with");
    ModelSnapshotEntry second = published().get(1);
    assertEquals(1, second.codebookVersion, "still the current model's snapshot");
    assertEquals(80.0, second.metrics().get(TrainCtrOperator.IMPRESSIONS_TRAINED_METRIC));
    harness.setProcessingTime(3000);
    assertEquals(2, published().size(), "and nothing when nothing trained");
  }
}
