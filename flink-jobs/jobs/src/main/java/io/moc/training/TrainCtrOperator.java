package io.moc.training;

import io.moc.common.DeadLetterReason;
import io.moc.common.DeadLetters;
import io.moc.common.PublishedVersions;
import io.moc.common.RawOperatorState;
import io.moc.common.RawRecord;
import io.moc.ctr.online.ModelDelta;
import io.moc.ctr.online.ModelSnapshotEntry;
import io.moc.ctr.online.OnlineCtrTrainer;
import io.moc.util.Sha256;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains the CTR model online on joined examples and publishes versioned snapshots. Runs with
 * parallelism 1: one model, trained on every example in arrival order.
 *
 * <p>Input 1 is the joined examples; input 2 the item codes, from which it keeps a bounded sample
 * ({@code moc.training.warm-start-items}, the same items under every version) of the codes of the
 * codebook versions it trains for. A model only ever reads codes of its own codebook version. When
 * examples of a newer version arrive, a second model for that version is started, warm-started from
 * the current one through the items' old → new codes, and trained on them; it replaces the current
 * model once it has seen {@code promoteAfter} examples and its prequential AUC is at least the
 * current model's (or, since the current model gets no more examples of its version, after three
 * times as many regardless). Examples of older versions than the current model's (in flight when it
 * was replaced), and examples whose codes do not fit the model, go to the dead letters with the
 * reason.
 *
 * <p>Every publish interval the current model, if it trained since, is written to the model store
 * and a {@link ModelSnapshotEntry} is emitted: every {@code moc.training.full-snapshot-every}-th a
 * full artifact, the others a {@link ModelDelta} on the last full one. Announcements are not
 * transactional, so a model is visible to scorers within the publish interval; after a restore the
 * trainer numbers its next version above the highest on the topic. Every retrain interval a
 * retraining pass over the replay window begins; it runs in steps of about {@code
 * moc.training.retrain-chunk-time} between which examples, codes and checkpoint barriers are
 * processed, so that the stream never waits for a whole pass. The trainers (parameters, optimiser
 * moments, replay and metric windows) are operator state, so training resumes exactly from a
 * checkpoint; the next model version number is state too, and a fresh job starts above the highest
 * on the topic.
 *
 * <p>With {@code moc.training.control-model}, an ids-only control model (user and item ids, given
 * no codes and reading none) trains on exactly the examples the semantic models train on, in the
 * same batches' order, and retrains when they do: its prequential and cold-start AUC next to the
 * semantic model's are the lift the codes give, measured live on the same traffic.
 */
public class TrainCtrOperator extends AbstractStreamOperator<ModelSnapshotEntry>
    implements TwoInputStreamOperator<TrainingExample, ItemCodesUpdate, ModelSnapshotEntry> {

  private static final Logger LOG = LoggerFactory.getLogger(TrainCtrOperator.class);

  // The trainers' snapshots (tens of MB: parameters, Adam's moments, the replay window), the
  // control's and the warm-start codes are RawOperatorState. The managed lists TRAINERS, CODES and
  // CONTROL are read only to restore a checkpoint from before, then emptied.
  private static final int RAW_STATE_VERSION = 1;

  static final ListStateDescriptor<byte[]> TRAINERS =
      new ListStateDescriptor<>("trainers", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
  static final ListStateDescriptor<ItemCodesUpdate> CODES =
      new ListStateDescriptor<>("item-codes", TypeInformation.of(ItemCodesUpdate.class));

  /** The ModelSnapshot metric counting every impression trained by the job, across models. */
  public static final String IMPRESSIONS_TRAINED_METRIC = "impressions_trained";

  static final ListStateDescriptor<Long> COUNTERS =
      new ListStateDescriptor<>("counters", Types.LONG);

  // Its own state, so that turning the control on or off keeps the semantic models' state as is.
  static final ListStateDescriptor<byte[]> CONTROL =
      new ListStateDescriptor<>(
          "control-trainer", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);

  /**
   * Pause between two steps of a retraining pass: long enough for the input waiting meanwhile to be
   * taken, short enough that a pass takes little longer than at once.
   */
  static final long RETRAIN_PAUSE_MILLIS = 5;

  private final OnlineModelSettings settings;
  private final PublishedVersions publishedModels;

  // The model in use, and the one for a newer codebook version that may replace it.
  private transient OnlineCtrTrainer current;
  private transient OnlineCtrTrainer candidate;
  // The ids-only control, when the option is on.
  private transient OnlineCtrTrainer control;
  // A bounded sample of item codes by codebook version, for warm-starting newer versions' models.
  private transient WarmStartCodes codes;
  private transient long nextModelVersion;
  private transient long trainedAtLastPublish;
  private transient long lastRetrain;
  private transient long lastPublishedVersion;
  // Examples any model accepted over the job's life: what an audit reconciles impressions with.
  private transient long impressionsTrained;
  private transient long impressionsAtLastPublish;
  private transient volatile long lastPublishMillis;
  private transient long retrainStartedNanos;
  private transient volatile long lastRetrainMillis;
  private transient ListState<byte[]> trainersState;
  private transient ListState<ItemCodesUpdate> codesState;
  private transient ListState<Long> countersState;
  private transient ListState<byte[]> controlState;
  private transient Counter published;
  private transient Counter fullSnapshots;
  private transient Counter deltaSnapshots;
  private transient volatile long lastSnapshotBytes;
  // The last full snapshot published by this instance: the base of the deltas that follow. Not
  // state: after a restore the first publication is full again.
  private transient byte[] lastFull;
  private transient long lastFullVersion;
  private transient String lastFullSha;
  private transient long lastFullCodebookVersion;
  private transient int publishedSinceFull;
  private transient boolean checkTopicBeforePublishing;
  private transient DeadLetters deadLetters;

  public TrainCtrOperator(OnlineModelSettings settings, PublishedVersions publishedModels) {
    this.settings = settings;
    this.publishedModels = publishedModels;
  }

  @Override
  public void initializeState(StateInitializationContext context) throws Exception {
    super.initializeState(context);
    trainersState = context.getOperatorStateStore().getListState(TRAINERS);
    codesState = context.getOperatorStateStore().getListState(CODES);
    countersState = context.getOperatorStateStore().getListState(COUNTERS);
    controlState = context.getOperatorStateStore().getListState(CONTROL);
    codes = new WarmStartCodes(settings.warmStartItems());
    lastPublishedVersion = -1;
    Restored restored = restore(context);
    if (settings.controlModel()) {
      // A control turned on in a running job starts fresh; one turned off is dropped.
      control =
          restored.control() != null
              ? OnlineCtrTrainer.restore(restored.control())
              : OnlineCtrTrainer.create(
                  settings.controlModelConfig(), settings.controlContract(), settings.trainer());
    }
    if (!context.isRestored()) {
      nextModelVersion = publishedModels.highest() + 1;
      return;
    }
    List<OnlineCtrTrainer> trainers = new ArrayList<>();
    for (byte[] bytes : restored.trainers()) {
      trainers.add(OnlineCtrTrainer.restore(bytes));
    }
    trainers.sort((a, b) -> Long.compare(a.codebookVersion(), b.codebookVersion()));
    current = trainers.isEmpty() ? null : trainers.get(0);
    candidate = trainers.size() > 1 ? trainers.get(1) : null;
    for (ItemCodesUpdate u : restored.codes()) {
      codes.put(u.codebookVersion, u.itemId, u.codes);
    }
    List<Long> counters = new ArrayList<>();
    countersState.get().forEach(counters::add);
    nextModelVersion = counters.get(0);
    checkTopicBeforePublishing = true;
    trainedAtLastPublish = counters.get(1);
    lastPublishedVersion = counters.get(2);
    // State of a job from before the count: what its models hold is the best estimate.
    impressionsTrained =
        counters.size() > 3
            ? counters.get(3)
            : trainers.stream().mapToLong(OnlineCtrTrainer::examplesSeen).sum();
    impressionsAtLastPublish = impressionsTrained;
  }

  /** What a checkpoint held besides the counters. */
  private record Restored(List<byte[]> trainers, byte[] control, List<ItemCodesUpdate> codes) {}

  /** The raw state, or the managed lists of a checkpoint from before it; the lists are emptied. */
  private Restored restore(StateInitializationContext context) throws Exception {
    List<byte[]> trainers = new ArrayList<>();
    List<ItemCodesUpdate> held = new ArrayList<>();
    byte[][] control = {null};
    boolean raw =
        RawOperatorState.read(
            context,
            RAW_STATE_VERSION,
            in -> {
              for (int n = in.readInt(); n > 0; n--) {
                trainers.add(readBytes(in));
              }
              if (in.readBoolean()) {
                control[0] = readBytes(in);
              }
              for (int n = in.readInt(); n > 0; n--) {
                ItemCodesUpdate u = new ItemCodesUpdate();
                u.itemId = new String(readBytes(in), StandardCharsets.UTF_8);
                u.codebookVersion = in.readLong();
                u.codes = new int[in.readInt()];
                for (int i = 0; i < u.codes.length; i++) {
                  u.codes[i] = in.readInt();
                }
                held.add(u);
              }
            });
    if (!raw) {
      trainersState.get().forEach(trainers::add);
      for (byte[] bytes : controlState.get()) {
        control[0] = bytes;
      }
      codesState.get().forEach(held::add);
    }
    trainersState.clear();
    controlState.clear();
    codesState.clear();
    return new Restored(trainers, control[0], held);
  }

  private static void writeBytes(DataOutputStream out, byte[] bytes) throws IOException {
    out.writeInt(bytes.length);
    out.write(bytes);
  }

  private static byte[] readBytes(DataInputStream in) throws IOException {
    int length = in.readInt();
    if (length < 0) {
      throw new IOException("negative length " + length + " in the CTR trainer state");
    }
    return in.readNBytes(length);
  }

  @Override
  public void open() throws Exception {
    super.open();
    MetricGroup metrics = getMetricGroup();
    published = metrics.counter("modelSnapshotsPublished");
    fullSnapshots = metrics.counter("fullModelSnapshotsPublished");
    deltaSnapshots = metrics.counter("deltaModelSnapshotsPublished");
    metrics.gauge("lastModelSnapshotBytes", () -> lastSnapshotBytes);
    deadLetters = new DeadLetters(metrics);
    metrics.gauge("prequentialAuc", () -> current == null ? Double.NaN : current.windowAuc());
    metrics.gauge(
        "prequentialLogLoss", () -> current == null ? Double.NaN : current.windowLogLoss());
    metrics.gauge("coldStartAuc", () -> current == null ? Double.NaN : current.coldStartAuc());
    metrics.gauge("examplesTrained", () -> current == null ? 0 : current.examplesTrained());
    metrics.gauge("impressionsTrained", () -> impressionsTrained);
    metrics.gauge("modelVersion", () -> lastPublishedVersion);
    // Freshness as a dashboard sees it: how long ago this instance emitted its newest snapshot
    // (it is committed with the next checkpoint); -1 before the first since it started.
    metrics.gauge(
        "modelSnapshotAgeMs",
        () -> lastPublishMillis == 0 ? -1 : System.currentTimeMillis() - lastPublishMillis);
    metrics.gauge("modelCodebookVersion", () -> current == null ? -1 : current.codebookVersion());
    metrics.gauge(
        "candidateCodebookVersion", () -> candidate == null ? -1 : candidate.codebookVersion());
    if (control != null) {
      metrics.gauge("controlPrequentialAuc", control::windowAuc);
      metrics.gauge("controlColdStartAuc", control::coldStartAuc);
      metrics.gauge(
          "prequentialAucLift",
          () -> current == null ? Double.NaN : current.windowAuc() - control.windowAuc());
      metrics.gauge(
          "coldStartAucLift",
          () -> current == null ? Double.NaN : current.coldStartAuc() - control.coldStartAuc());
    }
    metrics.gauge("retraining", () -> retraining() ? 1 : 0);
    metrics.gauge("lastRetrainMs", () -> lastRetrainMillis);
    lastRetrain = getProcessingTimeService().getCurrentProcessingTime();
    schedulePublish();
    if (retraining()) {
      // Restored mid-pass: the pass goes on from where the checkpoint saw it.
      retrainStartedNanos = System.nanoTime();
      retrainChunk();
    }
  }

  private void schedulePublish() {
    long now = getProcessingTimeService().getCurrentProcessingTime();
    getProcessingTimeService()
        .registerTimer(now + settings.publishIntervalMillis(), t -> onPublishTimer());
  }

  @Override
  public void processElement2(StreamRecord<ItemCodesUpdate> record) {
    ItemCodesUpdate u = record.getValue();
    if (u.deleted) {
      codes.remove(u.itemId);
      return;
    }
    if (current != null && u.codebookVersion < current.codebookVersion()) {
      return;
    }
    codes.put(u.codebookVersion, u.itemId, u.codes);
  }

  @Override
  public void processElement1(StreamRecord<TrainingExample> record) throws Exception {
    TrainingExample e = record.getValue();
    // The join's examples carry codes too: they count as the item's codes of that version.
    codes.put(e.codebookVersion, e.itemId, e.codes);
    if (current == null) {
      current = newTrainer(e);
    }
    OnlineCtrTrainer target;
    if (e.codebookVersion == current.codebookVersion()) {
      target = current;
    } else if (e.codebookVersion < current.codebookVersion()) {
      stale(e, current.codebookVersion());
      return;
    } else {
      if (candidate == null || candidate.codebookVersion() < e.codebookVersion) {
        startCandidate(e);
      } else if (candidate.codebookVersion() > e.codebookVersion) {
        stale(e, candidate.codebookVersion());
        return;
      }
      target = candidate;
    }
    try {
      target.accept(e);
    } catch (IllegalArgumentException badCodes) {
      deadLetter(e, DeadLetterReason.CODES_DO_NOT_FIT_MODEL, badCodes.getMessage());
      return;
    }
    impressionsTrained++;
    if (control != null) {
      control.accept(e.withoutCodes(OnlineModelSettings.CONTROL_CODEBOOK_VERSION));
    }
    if (target == candidate) {
      maybePromote();
    }
  }

  private void stale(TrainingExample e, long modelVersion) {
    deadLetter(
        e,
        DeadLetterReason.STALE_CODEBOOK_VERSION,
        "codes of codebook version "
            + e.codebookVersion
            + ", the model reads version "
            + modelVersion);
  }

  private void deadLetter(TrainingExample e, DeadLetterReason reason, String why) {
    // Examples built without a Kafka record (tests feeding the operator directly) have none.
    RawRecord raw =
        e.source != null
            ? e.source
            : new RawRecord(
                "", -1, -1, e.eventTime, e.impressionId.getBytes(StandardCharsets.UTF_8), null);
    output.collect(DeadLetters.TAG, new StreamRecord<>(deadLetters.reject(raw, reason, why)));
  }

  private OnlineCtrTrainer newTrainer(TrainingExample e) {
    var contract = settings.contract(e.codebookVersion, e.codes.length);
    LOG.info("Starting a CTR model for codebook version {}", e.codebookVersion);
    return OnlineCtrTrainer.create(settings.model(contract), contract, settings.trainer());
  }

  private void startCandidate(TrainingExample e) {
    long version = e.codebookVersion;
    if (candidate != null) {
      candidate.close();
      candidate = null;
    }
    if (e.codes.length != current.contract().codebooks()) {
      // Another M: no code of the new version has a counterpart field in the current model.
      LOG.info(
          "Codebook version {} has {} codes per item, the model {}: starting a fresh model for it",
          version,
          e.codes.length,
          current.contract().codebooks());
      candidate = newTrainer(e);
      return;
    }
    current.flush();
    Map<String, int[]> oldCodes = codes.of(current.codebookVersion());
    Map<String, int[]> newCodes = codes.of(version);
    LOG.info(
        "Codebook version {} arrived: warm-starting a model from version {} through {} items'"
            + " codes",
        version,
        current.codebookVersion(),
        newCodes.keySet().stream().filter(oldCodes::containsKey).count());
    candidate = current.warmStartFor(version, oldCodes, newCodes);
  }

  private void maybePromote() {
    long seen = candidate.examplesTrained();
    if (seen < settings.promoteAfter()) {
      return;
    }
    boolean asGood = !(candidate.windowAuc() < current.windowAuc());
    if (asGood || seen >= 3L * settings.promoteAfter()) {
      LOG.info(
          "Model for codebook version {} replaces version {}'s (prequential AUC {} vs {})",
          candidate.codebookVersion(),
          current.codebookVersion(),
          candidate.windowAuc(),
          current.windowAuc());
      long retired = current.codebookVersion();
      current.close();
      current = candidate;
      candidate = null;
      trainedAtLastPublish = -1;
      codes.removeUpTo(retired);
    }
  }

  private void onPublishTimer() throws Exception {
    long now = getProcessingTimeService().getCurrentProcessingTime();
    if (current != null) {
      if (settings.retrainIntervalMillis() > 0
          && now - lastRetrain >= settings.retrainIntervalMillis()
          && !retraining()) {
        current.beginRetrain(settings.retrainEpochs());
        if (control != null) {
          control.beginRetrain(settings.retrainEpochs());
        }
        lastRetrain = now;
        retrainStartedNanos = System.nanoTime();
        retrainChunk();
      }
      // Also when only a candidate trained: the snapshot's impressions_trained is what an audit
      // reconciles the impressions with, and a candidate may wait long for its promotion.
      if (current.examplesTrained() != trainedAtLastPublish
          || impressionsTrained != impressionsAtLastPublish) {
        ModelSnapshotEntry entry = publish(current, now);
        if (entry != null) {
          output.collect(new StreamRecord<>(entry));
          trainedAtLastPublish = current.examplesTrained();
          impressionsAtLastPublish = impressionsTrained;
        }
      }
    }
    schedulePublish();
  }

  private boolean retraining() {
    return (current != null && current.retraining()) || (control != null && control.retraining());
  }

  /**
   * One step of the retraining passes under way: about the chunk time per model, then the mailbox's
   * records and barriers go first, then the next step. The passes are in the trainers' snapshots,
   * so a restored job goes on with them.
   */
  private void retrainChunk() {
    boolean atOnce = settings.retrainChunkMillis() <= 0;
    int steps = atOnce ? Integer.MAX_VALUE : Math.max(1, settings.retrainChunkSteps());
    long budget = atOnce ? Long.MAX_VALUE : settings.retrainChunkMillis() * 1_000_000L;
    if (current != null) {
      current.retrainSteps(steps, budget);
    }
    if (control != null) {
      control.retrainSteps(steps, budget);
    }
    if (!retraining()) {
      if (retrainStartedNanos != 0) {
        lastRetrainMillis = (System.nanoTime() - retrainStartedNanos) / 1_000_000;
        retrainStartedNanos = 0;
      }
      return;
    }
    long now = getProcessingTimeService().getCurrentProcessingTime();
    getProcessingTimeService().registerTimer(now + RETRAIN_PAUSE_MILLIS, t -> retrainChunk());
  }

  /**
   * Writes the model's artifact to the store and describes it; the number is never reused. Every
   * {@code fullSnapshotEvery}-th publication, the first after a start and the first of another
   * codebook version's model are full; the others are deltas on the last full one.
   */
  ModelSnapshotEntry publish(OnlineCtrTrainer trainer, long now) throws Exception {
    if (checkTopicBeforePublishing) {
      // Announcements are not transactional: versions published after the checkpoint this job
      // was restored from are on the topic, and their numbers are taken. Asked at the first
      // publication, long after the failed attempt's producer is gone.
      try {
        nextModelVersion = Math.max(nextModelVersion, publishedModels.highest() + 1);
        checkTopicBeforePublishing = false;
      } catch (Exception e) {
        // Guessing could reuse a number: nothing is published until the topic answers.
        LOG.warn("Could not read the published model versions; publishing at the next tick", e);
        return null;
      }
    }
    long started = System.nanoTime();
    byte[] full = trainer.artifact().toBytes();
    String modelSha = Sha256.hex(full);
    long version = nextModelVersion++;
    boolean delta =
        lastFull != null
            && lastFullCodebookVersion == trainer.codebookVersion()
            && lastFull.length == full.length
            && publishedSinceFull < settings.fullSnapshotEvery() - 1;
    byte[] bytes = delta ? ModelDelta.between(lastFull, full) : full;
    String fileSha = delta ? Sha256.hex(bytes) : modelSha;
    // The name carries the content's checksum: an announced file is never overwritten, not even
    // by a failed attempt's file of the same number (which no announcement then points to).
    Path target =
        new Path(
            settings.modelStore(),
            String.format(
                "model-v%06d-%s.%s", version, fileSha.substring(0, 12), delta ? "delta" : "bin"));
    // Written under a temporary name and renamed: a reader never sees half a model.
    Path temporary = new Path(target.getParent(), "." + target.getName() + ".tmp");
    FileSystem fs = target.getFileSystem();
    if (!fs.exists(target)) {
      try (OutputStream out = fs.create(temporary, FileSystem.WriteMode.OVERWRITE)) {
        out.write(bytes);
      }
      if (!fs.rename(temporary, target)) {
        throw new IOException("could not move the model to " + target);
      }
    }
    ModelSnapshotEntry entry = new ModelSnapshotEntry();
    entry.version = version;
    entry.codebookVersion = trainer.codebookVersion();
    entry.createdTime = now;
    entry.examplesSeen = trainer.examplesSeen();
    entry.artifactUri = target.toUri().toString();
    entry.sha256 = fileSha;
    if (delta) {
      entry.baseVersion = lastFullVersion;
      entry.baseSha256 = lastFullSha;
      entry.modelSha256 = modelSha;
      publishedSinceFull++;
      deltaSnapshots.inc();
    } else {
      lastFull = full;
      lastFullVersion = version;
      lastFullSha = modelSha;
      lastFullCodebookVersion = trainer.codebookVersion();
      publishedSinceFull = 0;
      fullSnapshots.inc();
    }
    lastSnapshotBytes = bytes.length;
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("prequential_auc", trainer.windowAuc());
    metrics.put("prequential_logloss", trainer.windowLogLoss());
    metrics.put("cold_start_auc", trainer.coldStartAuc());
    metrics.put("examples_trained", (double) trainer.examplesTrained());
    // Across models (a promoted one starts its own count): every impression trained so far.
    metrics.put(IMPRESSIONS_TRAINED_METRIC, (double) impressionsTrained);
    metrics.put("last_event_time", (double) trainer.lastEventTime());
    // What this publication cost the task thread: serialising, diffing, writing.
    metrics.put("publish_ms", (System.nanoTime() - started) / 1e6);
    if (control != null) {
      metrics.put("control_prequential_auc", control.windowAuc());
      metrics.put("control_cold_start_auc", control.coldStartAuc());
      metrics.put("prequential_auc_lift", trainer.windowAuc() - control.windowAuc());
      metrics.put("cold_start_auc_lift", trainer.coldStartAuc() - control.coldStartAuc());
    }
    entry.setMetrics(metrics);
    lastPublishedVersion = version;
    lastPublishMillis = System.currentTimeMillis();
    published.inc();
    LOG.info(
        "Published CTR model version {} for codebook version {} ({}, {} bytes): {}",
        version,
        entry.codebookVersion,
        delta ? "delta on version " + lastFullVersion : "full",
        bytes.length,
        metrics);
    return entry;
  }

  @Override
  public void snapshotState(StateSnapshotContext context) throws Exception {
    super.snapshotState(context);
    List<byte[]> trainers = new ArrayList<>();
    if (current != null) {
      trainers.add(current.snapshot());
    }
    if (candidate != null) {
      trainers.add(candidate.snapshot());
    }
    RawOperatorState.write(
        context,
        RAW_STATE_VERSION,
        out -> {
          out.writeInt(trainers.size());
          for (byte[] bytes : trainers) {
            writeBytes(out, bytes);
          }
          out.writeBoolean(control != null);
          if (control != null) {
            writeBytes(out, control.snapshot());
          }
          out.writeInt(codes.size());
          codes.forEach(
              (version, itemId, itemCodes) -> {
                writeBytes(out, itemId.getBytes(StandardCharsets.UTF_8));
                out.writeLong(version);
                out.writeInt(itemCodes.length);
                for (int c : itemCodes) {
                  out.writeInt(c);
                }
              });
        });
    countersState.update(
        List.of(nextModelVersion, trainedAtLastPublish, lastPublishedVersion, impressionsTrained));
  }

  /** The model in use, for tests. */
  OnlineCtrTrainer current() {
    return current;
  }

  OnlineCtrTrainer candidate() {
    return candidate;
  }

  OnlineCtrTrainer control() {
    return control;
  }

  @Override
  public void close() throws Exception {
    if (current != null) {
      current.close();
    }
    if (candidate != null) {
      candidate.close();
    }
    if (control != null) {
      control.close();
    }
    super.close();
  }
}
