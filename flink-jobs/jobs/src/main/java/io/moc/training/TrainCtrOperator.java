package io.moc.training;

import io.moc.common.DeadLetterReason;
import io.moc.common.DeadLetters;
import io.moc.common.PublishedVersions;
import io.moc.common.RawOperatorState;
import io.moc.common.RawRecord;
import io.moc.ctr.online.ModelAveraging;
import io.moc.ctr.online.ModelAveraging.Key;
import io.moc.ctr.online.ModelAveraging.Merged;
import io.moc.ctr.online.ModelAveraging.Model;
import io.moc.ctr.online.ModelAveraging.Part;
import io.moc.ctr.online.ModelAveraging.Role;
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
import java.util.HashMap;
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
 * Trains the CTR model online on joined examples and publishes versioned snapshots. At parallelism
 * 1 one model is trained on every example in arrival order. At parallelism N (option {@code
 * moc.training.trainer-parallelism}) each subtask is a replica that trains its own copy of every
 * model on its share of the examples (and every item's codes) and, every {@code
 * moc.training.averaging-interval}, hands its change since the last merge in to a round under the
 * model store; once all N are in, every replica merges the same parts into the same models ({@link
 * ModelAveraging}) and keeps what it trained meanwhile. Promotions are decided at the merge, from
 * the replicas' summed counts and pooled AUCs, so that all replicas promote at the same round;
 * replica 0 publishes the merged model with the pooled metrics. After a restore the replicas' first
 * round takes the mean of their models, which their checkpoints saw at different moments.
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
  // control's, the warm-start codes and the counters are RawOperatorState. The managed lists
  // TRAINERS, CODES, CONTROL and COUNTERS are read only to restore a checkpoint from before, then
  // emptied.
  // 2: the counters are raw state too (a managed list's elements are dealt out one by one when
  // replicas rescale).
  private static final int RAW_STATE_VERSION = 2;

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

  /** How long a codebook version found missing is not asked for again. */
  static final long CODEBOOK_RETRY_MILLIS = 10_000;

  private final OnlineModelSettings settings;
  private final PublishedVersions publishedModels;
  private final CodebookVectors codebookVectors;
  // CODE_VECTORS: the vectors of the versions read lately, and when a missing one is asked again.
  private transient Map<Long, float[][]> vectors;
  private transient Map<Long, Long> vectorsMissing;

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

  // Replicas (parallelism > 1) only. Not state: a restored attempt starts its rounds afresh.
  private transient int replicas;
  private transient int replica;
  private transient AveragingRounds rounds;
  private transient long restoredFrom;
  // The last merged round of this attempt, and whether this replica has handed in the next.
  private transient long round;
  private transient boolean roundOpen;
  private transient long lastHandIn;
  // The models as the last merge left them: the same on every replica.
  private transient Map<Key, float[][]> bases;
  // What this replica handed in for the open round, and its models' steps then.
  private transient Map<Key, float[][]> handedIn;
  private transient Map<Key, Long> stepsAtHandIn;
  // Models that have not moved since they were set to their base: handed in as no change.
  private transient Map<Key, Long> stepsAtBase;
  // The last merge's pooled figures, which replica 0 publishes.
  private transient ModelAveraging.Round merged;
  private transient volatile long roundsMerged;
  private transient volatile long lastRoundMillis;

  public TrainCtrOperator(OnlineModelSettings settings, PublishedVersions publishedModels) {
    this(settings, publishedModels, CodebookVectors.NONE);
  }

  /**
   * @param codebookVectors where a CODE_VECTORS model ({@code moc.training.item-representation})
   *     finds its codebook version's code vectors when it starts
   */
  public TrainCtrOperator(
      OnlineModelSettings settings,
      PublishedVersions publishedModels,
      CodebookVectors codebookVectors) {
    this.settings = settings;
    this.publishedModels = publishedModels;
    this.codebookVectors = codebookVectors;
  }

  @Override
  public void initializeState(StateInitializationContext context) throws Exception {
    super.initializeState(context);
    trainersState = context.getOperatorStateStore().getListState(TRAINERS);
    codesState = context.getOperatorStateStore().getListState(CODES);
    countersState = context.getOperatorStateStore().getListState(COUNTERS);
    controlState = context.getOperatorStateStore().getListState(CONTROL);
    codes = new WarmStartCodes(settings.warmStartItems());
    vectors = new LinkedHashMap<>();
    vectorsMissing = new HashMap<>();
    lastPublishedVersion = -1;
    restoredFrom = context.getRestoredCheckpointId().orElse(-1L);
    replicas = getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks();
    Restored restored = restore(context);
    if (settings.controlModel()) {
      // A control turned on in a running job starts fresh; one turned off is dropped.
      control =
          restored.control() != null
              ? OnlineCtrTrainer.restore(restored.control())
              : OnlineCtrTrainer.create(
                  settings.controlModelConfig(),
                  settings.controlContract(),
                  settings.trainer(replicas));
    }
    if (!context.isRestored()) {
      // Only replica 0 publishes.
      nextModelVersion =
          getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() == 0
              ? publishedModels.highest() + 1
              : 0;
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
    checkTopicBeforePublishing = true;
    long[] counters = restored.counters();
    if (counters == null) {
      List<Long> legacy = new ArrayList<>();
      countersState.get().forEach(legacy::add);
      counters =
          legacy.size() < 3
              ? new long[] {0, -1, -1, 0}
              : new long[] {
                legacy.get(0),
                legacy.get(1),
                legacy.get(2),
                // State of a job from before the count: what its models hold is the best estimate.
                legacy.size() > 3
                    ? legacy.get(3)
                    : trainers.stream().mapToLong(OnlineCtrTrainer::examplesSeen).sum()
              };
    }
    countersState.clear();
    nextModelVersion = counters[0];
    trainedAtLastPublish = counters[1];
    lastPublishedVersion = counters[2];
    impressionsTrained = counters[3];
    impressionsAtLastPublish = impressionsTrained;
  }

  /**
   * What a checkpoint held for this subtask. After the replicas were rescaled a subtask may get
   * several replicas' partitions, whose models the first merge would average anyway: it takes the
   * first one's models, every one's codes, and the sum of their impression counts; or none, and
   * starts without models, which it takes from the first merge.
   *
   * @param counters next model version, examples trained at the last publication, last published
   *     version, impressions trained; null where the checkpoint kept them as a managed list
   */
  private record Restored(
      List<byte[]> trainers, byte[] control, List<ItemCodesUpdate> codes, long[] counters) {}

  /** The raw state, or the managed lists of a checkpoint from before it; the lists are emptied. */
  private Restored restore(StateInitializationContext context) throws Exception {
    List<byte[]> trainers = new ArrayList<>();
    List<ItemCodesUpdate> held = new ArrayList<>();
    byte[][] control = {null};
    long[][] counters = {null};
    int[] partitions = {0};
    boolean raw =
        RawOperatorState.read(
            context,
            1,
            RAW_STATE_VERSION,
            (in, layout) -> {
              boolean first = partitions[0]++ == 0;
              for (int n = in.readInt(); n > 0; n--) {
                byte[] trainer = readBytes(in);
                if (first) {
                  trainers.add(trainer);
                }
              }
              if (in.readBoolean()) {
                byte[] c = readBytes(in);
                if (first) {
                  control[0] = c;
                }
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
              if (layout >= 2) {
                long[] c = {in.readLong(), in.readLong(), in.readLong(), in.readLong()};
                if (counters[0] == null) {
                  counters[0] = c;
                } else {
                  counters[0][0] = Math.max(counters[0][0], c[0]);
                  counters[0][2] = Math.max(counters[0][2], c[2]);
                  counters[0][3] += c[3];
                }
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
    return new Restored(trainers, control[0], held, counters[0]);
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
    if (replicas > 1) {
      replica = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
      rounds =
          new AveragingRounds(
              settings.modelStore(),
              getRuntimeContext().getJobInfo().getJobId().toHexString(),
              getRuntimeContext().getTaskInfo().getAttemptNumber(),
              restoredFrom,
              replicas);
      if (replica == 0) {
        rounds.deleteOtherAttempts();
      }
      bases = new HashMap<>();
      handedIn = new HashMap<>();
      stepsAtHandIn = new HashMap<>();
      stepsAtBase = new HashMap<>();
      metrics.gauge("averagingRoundsMerged", () -> roundsMerged);
      metrics.gauge("lastAveragingRoundMs", () -> lastRoundMillis);
      LOG.info("CTR trainer replica {} of {}, averaging rounds in {}", replica, replicas, rounds);
      scheduleAveraging();
    }
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
      if (current == null) {
        codebookUnavailable(e);
        return;
      }
    }
    OnlineCtrTrainer target;
    if (e.codebookVersion == current.codebookVersion()) {
      target = current;
    } else if (e.codebookVersion < current.codebookVersion()) {
      stale(e, current.codebookVersion());
      return;
    } else {
      if (candidate == null || candidate.codebookVersion() < e.codebookVersion) {
        if (!startCandidate(e)) {
          codebookUnavailable(e);
          return;
        }
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
    if (target == candidate && rounds == null) {
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
    return newTrainer(e.codebookVersion, e.codes.length);
  }

  /** A fresh model for the version; null, when it reads code vectors, without its codebook. */
  private OnlineCtrTrainer newTrainer(long codebookVersion, int codebooks) {
    var contract = settings.contract(codebookVersion, codebooks);
    if (!settings.readsCodeVectors()) {
      LOG.info("Starting a CTR model for codebook version {}", codebookVersion);
      return OnlineCtrTrainer.create(
          settings.model(contract), contract, settings.trainer(replicas));
    }
    float[][] v = codeVectors(codebookVersion, codebooks);
    if (v == null) {
      return null;
    }
    LOG.info(
        "Starting a {} CTR model for codebook version {}",
        settings.itemRepresentation(),
        codebookVersion);
    return OnlineCtrTrainer.create(
        settings.model(contract, v[0].length / settings.codebookSize()),
        contract,
        settings.trainer(replicas),
        v);
  }

  /**
   * The code vectors of a codebook version with {@code codebooks} codebooks of the configured K;
   * null when none is published (asked again after {@link #CODEBOOK_RETRY_MILLIS}) or it does not
   * fit the codes.
   */
  private float[][] codeVectors(long version, int codebooks) {
    float[][] v = vectors.get(version);
    long now = getProcessingTimeService().getCurrentProcessingTime();
    if (v == null) {
      Long retry = vectorsMissing.get(version);
      if (retry != null && now < retry) {
        return null;
      }
      try {
        v = codebookVectors.of(version);
      } catch (Exception e) {
        LOG.warn("Could not read codebook version {}", version, e);
      }
      if (v == null) {
        vectorsMissing.put(version, now + CODEBOOK_RETRY_MILLIS);
        return null;
      }
      vectorsMissing.remove(version);
      vectors.put(version, v);
      // The current and the candidate's versions, and one more in flight, at most.
      while (vectors.size() > 3) {
        vectors.remove(vectors.keySet().iterator().next());
      }
    }
    int k = settings.codebookSize();
    if (v.length != codebooks || v[0].length % k != 0) {
      LOG.warn(
          "Codebook version {} has {} codebooks of {} values, the codes {} codebooks of K = {}",
          version,
          v.length,
          v[0].length,
          codebooks,
          k);
      return null;
    }
    return v;
  }

  private void codebookUnavailable(TrainingExample e) {
    deadLetter(
        e,
        DeadLetterReason.CODEBOOK_UNAVAILABLE,
        "no intact codebook of version "
            + e.codebookVersion
            + " with "
            + e.codes.length
            + " codebooks of K = "
            + settings.codebookSize()
            + " is published, which a "
            + settings.itemRepresentation()
            + " model needs");
  }

  /** Starts a model for the example's newer version; false when its code vectors are missing. */
  private boolean startCandidate(TrainingExample e) {
    long version = e.codebookVersion;
    if (settings.readsCodeVectors()) {
      OnlineCtrTrainer next;
      float[][] v = codeVectors(version, e.codes.length);
      if (v == null) {
        return false;
      }
      if (current.fitsCodeVectors(v)) {
        current.flush();
        LOG.info(
            "Codebook version {} arrived: warm-starting a model from version {} with its code"
                + " vectors",
            version,
            current.codebookVersion());
        next = current.warmStartWithCodeVectors(version, v);
      } else {
        // Another M, K or vector width: no parameter of the adapter fits the new vectors.
        LOG.info(
            "Codebook version {} has code vectors of another shape than version {}'s: starting a"
                + " fresh model for it",
            version,
            current.codebookVersion());
        next = newTrainer(e);
        if (next == null) {
          return false;
        }
      }
      if (candidate != null) {
        candidate.close();
      }
      candidate = next;
      return true;
    }
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
      return true;
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
    return true;
  }

  private void maybePromote() {
    long seen = candidate.examplesTrained();
    if (seen < settings.promoteAfter()) {
      return;
    }
    boolean asGood = !(candidate.windowAuc() < current.windowAuc());
    if (asGood || seen >= 3L * settings.promoteAfter()) {
      promote(candidate.windowAuc(), current.windowAuc());
    }
  }

  private void promote(double candidateAuc, double currentAuc) {
    LOG.info(
        "Model for codebook version {} replaces version {}'s (prequential AUC {} vs {})",
        candidate.codebookVersion(),
        current.codebookVersion(),
        candidateAuc,
        currentAuc);
    long retired = current.codebookVersion();
    current.close();
    current = candidate;
    candidate = null;
    trainedAtLastPublish = -1;
    codes.removeUpTo(retired);
  }

  private void scheduleAveraging() {
    long now = getProcessingTimeService().getCurrentProcessingTime();
    // Polls for the others' parts a few times per interval: a round merges soon after its last
    // part, and a part is a file's existence away.
    long poll = Math.max(1, Math.min(50, settings.averagingIntervalMillis() / 5));
    getProcessingTimeService().registerTimer(now + poll, t -> onAveragingTimer());
  }

  private void onAveragingTimer() throws Exception {
    long now = getProcessingTimeService().getCurrentProcessingTime();
    if (!roundOpen) {
      if (now - lastHandIn >= settings.averagingIntervalMillis()) {
        handIn(now);
      }
    } else if (rounds.complete(round + 1)) {
      mergeRound();
    }
    scheduleAveraging();
  }

  /** Hands this replica's models in to the next round; it trains on meanwhile. */
  private void handIn(long now) throws IOException {
    List<Model> models = new ArrayList<>();
    handedIn.clear();
    stepsAtHandIn.clear();
    contribute(models, Role.CURRENT, current);
    contribute(models, Role.CANDIDATE, candidate);
    contribute(models, Role.CONTROL, control);
    rounds.write(
        round + 1, replica, new Part(replica, round + 1, impressionsTrained, models).toBytes());
    roundOpen = true;
    lastHandIn = now;
  }

  private void contribute(List<Model> models, Role role, OnlineCtrTrainer trainer) {
    if (trainer == null) {
      return;
    }
    Key key = Key.of(role, trainer.codebookVersion());
    float[][] base = bases.get(key);
    boolean unchanged = base != null && stepsAtBase.getOrDefault(key, -1L) == trainer.modelSteps();
    float[][] values = unchanged ? base : trainer.parameters();
    models.add(ModelAveraging.contribution(role, trainer, base, values, unchanged));
    handedIn.put(key, values);
    stepsAtHandIn.put(key, trainer.modelSteps());
  }

  /**
   * Merges a complete round into this replica's models. Every replica reads the same parts, so
   * every decision here (which model is current, whether the candidate is promoted) is the same on
   * all of them.
   */
  private void mergeRound() throws IOException {
    long started = System.nanoTime();
    long merging = round + 1;
    ModelAveraging.Round r = ModelAveraging.merge(rounds.read(merging), bases);
    // The newest version some replica has as its current is everyone's: one that missed the
    // promotion (its checkpoint came before it) catches up.
    long currentVersion = Long.MIN_VALUE;
    for (Merged m : r.models().values()) {
      if (!m.key().control() && m.current()) {
        currentVersion = Math.max(currentVersion, m.key().codebookVersion());
      }
    }
    if (currentVersion != Long.MIN_VALUE
        && (current == null || current.codebookVersion() < currentVersion)) {
      Merged m = r.models().get(new Key(false, currentVersion));
      if (candidate != null && candidate.codebookVersion() == currentVersion) {
        promote(m.windowAuc(), Double.NaN);
      } else {
        OnlineCtrTrainer caughtUp = newTrainer(currentVersion, m.codebooks());
        if (caughtUp != null) {
          if (current != null) {
            current.close();
          }
          if (candidate != null && candidate.codebookVersion() <= currentVersion) {
            candidate.close();
            candidate = null;
          }
          current = caughtUp;
        }
      }
    }
    Map<Key, float[][]> next = new HashMap<>();
    for (Merged m : r.models().values()) {
      OnlineCtrTrainer trainer = adopt(m);
      if (trainer == null) {
        continue;
      }
      float[][] handed = handedIn.get(m.key());
      long stepsThen = stepsAtHandIn.getOrDefault(m.key(), -1L);
      boolean moved = handed != null && trainer.modelSteps() != stepsThen;
      trainer.setParameters(
          moved
              ? ModelAveraging.withLocalProgress(m.values(), trainer.parameters(), handed)
              : m.values());
      next.put(m.key(), m.values());
      stepsAtBase.put(m.key(), moved ? -1L : trainer.modelSteps());
    }
    stepsAtBase.keySet().retainAll(next.keySet());
    bases = next;
    handedIn.clear();
    stepsAtHandIn.clear();
    merged = r;
    round = merging;
    roundOpen = false;
    if (candidate != null && current != null) {
      Merged c = r.models().get(new Key(false, candidate.codebookVersion()));
      Merged u = r.models().get(new Key(false, current.codebookVersion()));
      if (c != null && u != null && c.examplesTrained() >= settings.promoteAfter()) {
        boolean asGood = !(c.windowAuc() < u.windowAuc());
        if (asGood || c.examplesTrained() >= 3L * settings.promoteAfter()) {
          promote(c.windowAuc(), u.windowAuc());
        }
      }
    }
    if (replica == 0 && merging > 1) {
      // Every replica handed in this round, so every one has merged the one before.
      rounds.delete(merging - 1);
    }
    roundsMerged++;
    lastRoundMillis = (System.nanoTime() - started) / 1_000_000;
  }

  /** This replica's model for a merged one, started where it has none; null for a retired one. */
  private OnlineCtrTrainer adopt(Merged m) {
    if (m.key().control()) {
      return control;
    }
    long version = m.key().codebookVersion();
    if (current == null) {
      // Null while a CODE_VECTORS model's codebook is missing here: the next round tries again.
      current = newTrainer(version, m.codebooks());
      return current;
    }
    if (version == current.codebookVersion()) {
      return current;
    }
    if (version < current.codebookVersion()) {
      return null;
    }
    if (candidate == null || candidate.codebookVersion() < version) {
      OnlineCtrTrainer started = newTrainer(version, m.codebooks());
      if (started == null) {
        return null;
      }
      if (candidate != null) {
        candidate.close();
      }
      candidate = started;
      return candidate;
    }
    return candidate.codebookVersion() == version ? candidate : null;
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
      long impressions = rounds == null ? impressionsTrained : mergedImpressions();
      boolean publishes = rounds == null || (replica == 0 && merged != null);
      if (publishes
          && (current.examplesTrained() != trainedAtLastPublish
              || impressions != impressionsAtLastPublish)) {
        ModelSnapshotEntry entry = publish(current, now);
        if (entry != null) {
          output.collect(new StreamRecord<>(entry));
          trainedAtLastPublish = current.examplesTrained();
          impressionsAtLastPublish = impressions;
        }
      }
    }
    schedulePublish();
  }

  /** Impressions all replicas had trained by the last merged round. */
  private long mergedImpressions() {
    return merged == null ? 0 : merged.impressionsTrained();
  }

  /** The pooled figures of the last round for {@code trainer}'s model; null without replicas. */
  private Merged pooled(OnlineCtrTrainer trainer, boolean isControl) {
    if (merged == null || trainer == null) {
      return null;
    }
    return merged.models().get(new Key(isControl, trainer.codebookVersion()));
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
    Merged pooled = pooled(trainer, false);
    Merged pooledControl = pooled(control, true);
    entry.examplesSeen = pooled != null ? pooled.examplesTrained() : trainer.examplesSeen();
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
    // With replicas: pooled over all of them as of the last round.
    double auc = pooled != null ? pooled.windowAuc() : trainer.windowAuc();
    metrics.put("prequential_auc", auc);
    metrics.put(
        "prequential_logloss", pooled != null ? pooled.windowLogLoss() : trainer.windowLogLoss());
    metrics.put("cold_start_auc", pooled != null ? pooled.coldStartAuc() : trainer.coldStartAuc());
    metrics.put(
        "examples_trained",
        (double) (pooled != null ? pooled.examplesTrained() : trainer.examplesTrained()));
    // Across models (a promoted one starts its own count): every impression trained so far.
    metrics.put(
        IMPRESSIONS_TRAINED_METRIC,
        (double) (rounds == null ? impressionsTrained : mergedImpressions()));
    if (rounds != null) {
      metrics.put("trainer_replicas", (double) replicas);
      metrics.put("averaging_round", (double) round);
    }
    metrics.put("last_event_time", (double) trainer.lastEventTime());
    // What this publication cost the task thread: serialising, diffing, writing.
    metrics.put("publish_ms", (System.nanoTime() - started) / 1e6);
    if (control != null) {
      double controlAuc = pooledControl != null ? pooledControl.windowAuc() : control.windowAuc();
      double coldAuc = pooled != null ? pooled.coldStartAuc() : trainer.coldStartAuc();
      double controlCold =
          pooledControl != null ? pooledControl.coldStartAuc() : control.coldStartAuc();
      metrics.put("control_prequential_auc", controlAuc);
      metrics.put("control_cold_start_auc", controlCold);
      metrics.put("prequential_auc_lift", auc - controlAuc);
      metrics.put("cold_start_auc_lift", coldAuc - controlCold);
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
          out.writeLong(nextModelVersion);
          out.writeLong(trainedAtLastPublish);
          out.writeLong(lastPublishedVersion);
          out.writeLong(impressionsTrained);
        });
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
