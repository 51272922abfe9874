package io.moc.indexing;

import io.moc.codebook.CodeStatistics;
import io.moc.codebook.Codebook;
import io.moc.codebook.CodebookCodec;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.co.CoProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a uniform reservoir sample of embedded items and the newest items, trains the first
 * codebook version once enough items are seen, and trains a new version on a schedule and when the
 * active version's live code quality drifts from its quality on the training sample.
 *
 * <p>Input 2 is the stream of validated versions (its own and any published from outside): the
 * newest one is the active version whose live quality is measured. A job that starts without state
 * first asks the codebooks topic for the highest version on it, so that it never publishes a second
 * "first" version or reuses a version number. Runs with parallelism 1.
 */
public class TrainCodebookFunction
    extends CoProcessFunction<EmbeddedItem, CodebookEntry, CodebookEntry>
    implements CheckpointedFunction {

  private static final Logger LOG = LoggerFactory.getLogger(TrainCodebookFunction.class);

  static final ListStateDescriptor<float[]> RESERVOIR =
      new ListStateDescriptor<>(
          "reservoir", PrimitiveArrayTypeInfo.FLOAT_PRIMITIVE_ARRAY_TYPE_INFO);
  static final ListStateDescriptor<float[]> RECENT =
      new ListStateDescriptor<>("recent", PrimitiveArrayTypeInfo.FLOAT_PRIMITIVE_ARRAY_TYPE_INFO);
  static final ListStateDescriptor<CodebookEntry> ACTIVE =
      new ListStateDescriptor<>("active-version", TypeInformation.of(CodebookEntry.class));
  static final ListStateDescriptor<Long> COUNTERS =
      new ListStateDescriptor<>("counters", Types.LONG);
  static final ListStateDescriptor<Double> REFERENCE =
      new ListStateDescriptor<>("reference-quality", Types.DOUBLE);

  /** Live code-quality figures shown as {@code codebook_live_<name>} gauges. */
  static final List<String> LIVE_METRICS =
      List.of(
          "usage",
          "perplexity",
          "collision_rate",
          "discriminability",
          "information_abundance",
          "quantization_error");

  /** Why a version after the first was trained. */
  enum Trigger {
    SCHEDULE,
    DRIFT
  }

  /**
   * How many times the minimum of new items a trained version may take to come back on the versions
   * stream before the trainer stops waiting for it (it may have been rejected).
   */
  static final int RETURN_PATIENCE = 10;

  private final IndexingSettings settings;
  private final CodebookLifecycle lifecycle;
  private final PublishedVersions publishedVersions;

  private transient List<float[]> reservoir;
  private transient ArrayDeque<float[]> recent;
  private transient long seen;
  private transient long newestVersion;
  private transient long trainedAtSeen;
  private transient long trainedAtMillis;
  private transient long activatedAtSeen;
  private transient Random random;
  private transient long nextTrainingAt;
  private transient CodebookEntry activeEntry;
  private transient Codebook active;
  private transient Map<String, Double> baseline;
  private transient volatile Map<String, Double> live;
  private transient volatile long activeVersion;
  private transient Counter trainingFailures;
  private transient Counter scheduledTrainings;
  private transient Counter driftTrainings;
  private transient ListState<float[]> reservoirState;
  private transient ListState<float[]> recentState;
  private transient ListState<CodebookEntry> activeState;
  private transient ListState<Long> countersState;
  private transient ListState<Double> referenceState;

  public TrainCodebookFunction(IndexingSettings settings, PublishedVersions publishedVersions) {
    this.settings = settings;
    this.lifecycle = settings.lifecycle();
    this.publishedVersions = publishedVersions;
  }

  @Override
  public void open(OpenContext openContext) {
    MetricGroup metrics = getRuntimeContext().getMetricGroup();
    trainingFailures = metrics.counter("codebookTrainingFailures");
    scheduledTrainings = metrics.counter("codebookScheduledTrainings");
    driftTrainings = metrics.counter("codebookDriftTrainings");
    live = Map.of();
    metrics.gauge("activeCodebookVersion", () -> activeVersion);
    for (String name : LIVE_METRICS) {
      metrics.gauge("codebook_live_" + name, () -> live.getOrDefault(name, Double.NaN));
    }
    if (activeEntry != null) {
      open(activeEntry);
    }
  }

  @Override
  public void processElement1(EmbeddedItem item, Context ctx, Collector<CodebookEntry> out) {
    if (item.deleted || item.embedding == null) {
      return;
    }
    seen++;
    sample(item.embedding);
    if (newestVersion < 0) {
      if (seen >= nextTrainingAt) {
        trainAndPublish(1, reservoir, out, null);
      }
      return;
    }
    if (active == null || seen - trainedAtSeen < lifecycle.retrainMinNewItems()) {
      return;
    }
    if (activeVersion < newestVersion
        && seen - trainedAtSeen < RETURN_PATIENCE * lifecycle.retrainMinNewItems()) {
      // The version trained last has not come back validated yet: watching the old one would
      // only find the same drift again.
      return;
    }
    Trigger trigger = null;
    if (seen % lifecycle.driftCheckEvery() == 0
        && seen - activatedAtSeen >= lifecycle.driftWindow()) {
      live = CodeStatistics.of(active, List.copyOf(recent));
      if (baseline == null) {
        // The first window of items that all came after the version: the reference. Not the
        // training sample, on which any codebook looks better than on items it has not seen.
        baseline = live;
        LOG.info("Reference code quality of version {}: {}", activeVersion, baseline);
      } else {
        String drift = drift(live);
        if (drift != null) {
          LOG.info("Codebook version {} drifted: {}", activeVersion, drift);
          trigger = Trigger.DRIFT;
        }
      }
    }
    if (trigger == null
        && lifecycle.retrainIntervalMillis() > 0
        && System.currentTimeMillis() - trainedAtMillis >= lifecycle.retrainIntervalMillis()) {
      trigger = Trigger.SCHEDULE;
    }
    if (trigger != null) {
      // The newest items weigh in beyond their share of the reservoir: they are what drifted.
      List<float[]> sample = new ArrayList<>(reservoir);
      sample.addAll(recent);
      trainAndPublish(nextVersion(), sample, out, trigger);
    }
  }

  /**
   * One above any version on the topic: rejected versions never reach this function, and a number
   * must not be used twice even for a version that failed validation.
   */
  private long nextVersion() {
    long highest = newestVersion;
    try {
      highest = Math.max(highest, publishedVersions.highest());
    } catch (Exception e) {
      LOG.warn("Could not read the published versions; numbering from {}", newestVersion, e);
    }
    return highest + 1;
  }

  private void sample(float[] embedding) {
    if (reservoir.size() < settings.reservoirSize()) {
      reservoir.add(embedding);
    } else {
      long slot = (long) (random.nextDouble() * seen);
      if (slot < settings.reservoirSize()) {
        reservoir.set((int) slot, embedding);
      }
    }
    recent.addLast(embedding);
    if (recent.size() > lifecycle.driftWindow()) {
      recent.removeFirst();
    }
  }

  /** The drift rule that fires for these live metrics, or null. */
  String drift(Map<String, Double> liveMetrics) {
    double error = liveMetrics.get("quantization_error");
    double baseError = baseline.get("quantization_error");
    if (error > lifecycle.driftErrorRatio() * baseError) {
      return String.format(
          "quantization error %.4f > %.1f x %.4f", error, lifecycle.driftErrorRatio(), baseError);
    }
    double usage = liveMetrics.get("usage");
    double baseUsage = baseline.get("usage");
    if (usage < lifecycle.driftUsageRatio() * baseUsage) {
      return String.format(
          "code usage %.3f < %.2f x %.3f", usage, lifecycle.driftUsageRatio(), baseUsage);
    }
    double collisions = liveMetrics.get("collision_rate");
    double baseCollisions = baseline.get("collision_rate");
    if (collisions > baseCollisions + lifecycle.driftCollisionRise()) {
      return String.format(
          "collision rate %.3f > %.3f + %.2f",
          collisions, baseCollisions, lifecycle.driftCollisionRise());
    }
    return null;
  }

  private void trainAndPublish(
      long version, List<float[]> sample, Collector<CodebookEntry> out, Trigger trigger) {
    trainedAtSeen = seen;
    trainedAtMillis = System.currentTimeMillis();
    try {
      out.collect(train(version, sample));
      if (trigger == Trigger.SCHEDULE) {
        scheduledTrainings.inc();
      } else if (trigger == Trigger.DRIFT) {
        driftTrainings.inc();
      }
    } catch (RuntimeException e) {
      // Never fail the indexing path for the trainer: try again on a larger sample.
      trainingFailures.inc();
      nextTrainingAt = seen + settings.trainAfterItems();
      LOG.warn("Training codebook version {} on {} items failed", version, sample.size(), e);
    }
  }

  CodebookEntry train(long version, List<float[]> sample) {
    long start = System.currentTimeMillis();
    Codebook codebook = settings.codebookTrainer().train(settings.embeddingModel(), sample);
    newestVersion = version;
    CodebookEntry entry = CodebookEntry.of(version, codebook, sample);
    LOG.info(
        "Trained codebook version {} on {} items in {} ms: {}",
        version,
        sample.size(),
        System.currentTimeMillis() - start,
        entry.metrics());
    return entry;
  }

  @Override
  public void processElement2(CodebookEntry published, Context ctx, Collector<CodebookEntry> out) {
    newestVersion = Math.max(newestVersion, published.version);
    if (activeEntry == null || published.version > activeEntry.version) {
      activate(published);
      // A version from outside counts as a training: the schedule starts again from it.
      trainedAtSeen = seen;
      trainedAtMillis = System.currentTimeMillis();
    }
  }

  /**
   * Makes {@code entry} the version whose live quality is watched, against a reference measured on
   * the first full window of items after it (usage and collisions depend on how many items they are
   * counted over, so reference and live windows are the same size).
   */
  private void activate(CodebookEntry entry) {
    open(entry);
    activatedAtSeen = seen;
    baseline = null;
    live = Map.of();
  }

  private void open(CodebookEntry entry) {
    if (active != null) {
      active.close();
    }
    activeEntry = entry;
    activeVersion = entry.version;
    active = CodebookCodec.deserialize(entry.method, entry.artifact);
  }

  @Override
  public void close() throws Exception {
    if (active != null) {
      active.close();
    }
    super.close();
  }

  @Override
  public void snapshotState(FunctionSnapshotContext context) throws Exception {
    reservoirState.update(reservoir);
    recentState.update(new ArrayList<>(recent));
    activeState.update(activeEntry == null ? List.of() : List.of(activeEntry));
    countersState.update(
        List.of(seen, newestVersion, trainedAtSeen, trainedAtMillis, activatedAtSeen));
    List<Double> reference = new ArrayList<>();
    if (baseline != null) {
      LIVE_METRICS.forEach(name -> reference.add(baseline.get(name)));
    }
    referenceState.update(reference);
  }

  @Override
  public void initializeState(FunctionInitializationContext context) throws Exception {
    reservoirState = context.getOperatorStateStore().getListState(RESERVOIR);
    recentState = context.getOperatorStateStore().getListState(RECENT);
    activeState = context.getOperatorStateStore().getListState(ACTIVE);
    countersState = context.getOperatorStateStore().getListState(COUNTERS);
    referenceState = context.getOperatorStateStore().getListState(REFERENCE);
    reservoir = new ArrayList<>();
    recent = new ArrayDeque<>();
    seen = 0;
    newestVersion = -1;
    random = new Random(settings.seed());
    nextTrainingAt = settings.trainAfterItems();
    if (!context.isRestored()) {
      // The versions stream races the items stream: ask the topic itself before training.
      newestVersion = publishedVersions.highest();
      return;
    }
    reservoirState.get().forEach(reservoir::add);
    recentState.get().forEach(recent::addLast);
    activeState.get().forEach(e -> activeEntry = e);
    List<Long> counters = new ArrayList<>();
    countersState.get().forEach(counters::add);
    if (counters.size() >= 2) {
      seen = counters.get(0);
      newestVersion = counters.get(1);
    }
    if (counters.size() >= 5) {
      trainedAtSeen = counters.get(2);
      trainedAtMillis = counters.get(3);
      activatedAtSeen = counters.get(4);
    }
    List<Double> reference = new ArrayList<>();
    referenceState.get().forEach(reference::add);
    if (reference.size() == LIVE_METRICS.size()) {
      baseline = new HashMap<>();
      for (int i = 0; i < reference.size(); i++) {
        baseline.put(LIVE_METRICS.get(i), reference.get(i));
      }
    }
  }
}
