package io.moc.indexing;

import io.moc.codebook.CodeStatistics;
import io.moc.codebook.Codebook;
import io.moc.codebook.CodebookCodec;
import io.moc.codebook.CodebookTrainer;
import io.moc.common.FloatArraySerializer;
import io.moc.common.FloatArrayTypeInfo;
import io.moc.common.PublishedVersions;
import io.moc.common.RawOperatorState;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
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
 * Keeps a uniform reservoir sample of embedded items and the newest items, trains the first
 * codebook version once enough items are seen, and trains a new version on a schedule and when the
 * active version's live code quality drifts from its quality on the training sample.
 *
 * <p>With a bootstrap method, the first version is the bootstrap's (fast, so that codes appear
 * within seconds), and once enough items are embedded a version of the configured method replaces
 * it; so does one after the configured method changes on a running job.
 *
 * <p>Trainings run on a worker thread (seconds for the VQ-VAE methods): items and checkpoint
 * barriers pass meanwhile, and a processing-time timer hands the trained version to the task
 * thread, which publishes it. What is in flight is part of the checkpoint (its version number,
 * trigger and sample), so a job restored from a checkpoint taken mid-training trains that version
 * again on the same sample; the transactional codebooks sink never commits the lost run's output.
 *
 * <p>Input 2 is the stream of validated versions (its own and any published from outside): the
 * newest one is the active version whose live quality is measured. A job that starts without state
 * first asks the codebooks topic for the highest version on it, so that it never publishes a second
 * "first" version or reuses a version number. Runs with parallelism 1.
 */
public class TrainCodebookOperator extends AbstractStreamOperator<CodebookEntry>
    implements TwoInputStreamOperator<EmbeddedItem, CodebookEntry, CodebookEntry> {

  private static final Logger LOG = LoggerFactory.getLogger(TrainCodebookOperator.class);

  // The reservoir, the recent window and an in-flight training's sample (tens of MB) are
  // RawOperatorState. The managed lists of vectors (these two and IN_FLIGHT_SAMPLE) are read only
  // to
  // restore a checkpoint from before, then emptied.
  static final ListStateDescriptor<float[]> RESERVOIR =
      new ListStateDescriptor<>("reservoir", FloatArrayTypeInfo.INSTANCE);
  static final ListStateDescriptor<float[]> RECENT =
      new ListStateDescriptor<>("recent", FloatArrayTypeInfo.INSTANCE);

  /** Version of the raw-state layout: reservoir, recent window, in-flight sample. */
  private static final int RAW_STATE_VERSION = 1;

  static final ListStateDescriptor<CodebookEntry> ACTIVE =
      new ListStateDescriptor<>("active-version", TypeInformation.of(CodebookEntry.class));
  static final ListStateDescriptor<Long> COUNTERS =
      new ListStateDescriptor<>("counters", Types.LONG);
  static final ListStateDescriptor<Double> REFERENCE =
      new ListStateDescriptor<>("reference-quality", Types.DOUBLE);
  // The training in flight at the checkpoint: [version, trigger name], and the sample it trains on.
  static final ListStateDescriptor<String> IN_FLIGHT =
      new ListStateDescriptor<>("training-in-flight", Types.STRING);
  static final ListStateDescriptor<float[]> IN_FLIGHT_SAMPLE =
      new ListStateDescriptor<>("training-in-flight-sample", FloatArrayTypeInfo.INSTANCE);

  /** Live code-quality figures shown as {@code codebook_live_<name>} gauges. */
  static final List<String> LIVE_METRICS =
      List.of(
          "usage",
          "perplexity",
          "collision_rate",
          "discriminability",
          "information_abundance",
          "quantization_error");

  /** Why a version was trained. */
  enum Trigger {
    FIRST,
    SCHEDULE,
    DRIFT,
    // The active version is not of the configured method (the bootstrap's, say).
    METHOD
  }

  /**
   * How many times the minimum of new items a trained version may take to come back on the versions
   * stream before the trainer stops waiting for it (it may have been rejected).
   */
  static final int RETURN_PATIENCE = 10;

  /** How often the task thread looks whether the worker has finished. */
  static final long POLL_MILLIS = 50;

  /** After a measurement of live quality that took t ms, the next starts t x this later at best. */
  static final long CHECK_GAP_FACTOR = 4;

  /** How often a measurement of live quality on the worker includes the spectrum. */
  static final long SPECTRUM_EVERY_MILLIS = 60_000;

  private static final String ABUNDANCE = "information_abundance";

  private static final long CLOSE_WAIT_SECONDS = 10;

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
  private transient InFlight inFlight;
  private transient Check check;
  private transient boolean checkDue;
  private transient boolean checkPollPending;
  private transient long nextCheckAt;
  private transient long nextSpectrumAt;
  private transient volatile long lastTrainingMillis;
  private transient ExecutorService worker;
  private transient Counter trainingFailures;
  private transient Counter scheduledTrainings;
  private transient Counter driftTrainings;
  private transient Counter methodTrainings;
  private transient ListState<float[]> reservoirState;
  private transient ListState<float[]> recentState;
  private transient ListState<CodebookEntry> activeState;
  private transient ListState<Long> countersState;
  private transient ListState<Double> referenceState;
  private transient ListState<String> inFlightState;
  private transient ListState<float[]> inFlightSampleState;

  /** A measurement of the live code quality handed to the worker, of the version it measures. */
  private record Check(long version, CompletableFuture<Measured> result) {}

  private record Measured(Map<String, Double> metrics, long millis) {}

  /** A training handed to the worker, and the version it will come back as. */
  private record InFlight(
      long version,
      Trigger trigger,
      List<float[]> sample,
      CompletableFuture<CodebookEntry> result,
      long startedMillis) {}

  public TrainCodebookOperator(IndexingSettings settings, PublishedVersions publishedVersions) {
    this.settings = settings;
    this.lifecycle = settings.lifecycle();
    this.publishedVersions = publishedVersions;
  }

  @Override
  public void open() throws Exception {
    super.open();
    MetricGroup metrics = getMetricGroup();
    trainingFailures = metrics.counter("codebookTrainingFailures");
    scheduledTrainings = metrics.counter("codebookScheduledTrainings");
    driftTrainings = metrics.counter("codebookDriftTrainings");
    methodTrainings = metrics.counter("codebookMethodTrainings");
    live = Map.of();
    metrics.gauge("activeCodebookVersion", () -> activeVersion);
    metrics.gauge("codebookTrainingInFlight", () -> inFlight == null ? 0 : 1);
    metrics.gauge("lastCodebookTrainingMs", () -> lastTrainingMillis);
    for (String name : LIVE_METRICS) {
      metrics.gauge("codebook_live_" + name, () -> live.getOrDefault(name, Double.NaN));
    }
    if (lifecycle.trainInBackground()) {
      worker =
          Executors.newSingleThreadExecutor(
              r -> {
                Thread t = new Thread(r, "codebook-trainer (" + getOperatorName() + ")");
                t.setDaemon(true);
                return t;
              });
    }
    if (activeEntry != null) {
      open(activeEntry);
    }
    if (inFlight != null) {
      // Restored mid-training: the same version, on the same sample, again.
      LOG.info("Training codebook version {} again, as at the checkpoint", inFlight.version);
      start(inFlight.version, inFlight.sample, inFlight.trigger);
    }
  }

  @Override
  public void processElement1(StreamRecord<EmbeddedItem> record) throws Exception {
    EmbeddedItem item = record.getValue();
    if (item.deleted || item.embedding == null) {
      return;
    }
    seen++;
    sample(item.embedding);
    if (inFlight != null) {
      return;
    }
    if (newestVersion < 0) {
      if (seen >= nextTrainingAt) {
        start(1, new ArrayList<>(reservoir), Trigger.FIRST);
      }
      return;
    }
    if (active == null || waitingForReturn()) {
      return;
    }
    if (toBeReplaced()) {
      // Drift and schedule are moot for a version that is to be replaced anyway.
      if (seen >= lifecycle.methodAfterItems() && seen >= nextTrainingAt) {
        start(nextVersion(), trainingSample(), Trigger.METHOD);
      }
      return;
    }
    if (!enoughNewItems()) {
      return;
    }
    Trigger trigger = null;
    if (seen % lifecycle.driftCheckEvery() == 0
        && seen - activatedAtSeen >= lifecycle.driftWindow()) {
      if (worker == null) {
        trigger = onLiveQuality(CodeStatistics.of(active, List.copyOf(recent)));
      } else {
        checkDue = true;
        startCheck();
      }
    }
    if (trigger == null
        && lifecycle.retrainIntervalMillis() > 0
        && System.currentTimeMillis() - trainedAtMillis >= lifecycle.retrainIntervalMillis()) {
      trigger = Trigger.SCHEDULE;
    }
    if (trigger != null) {
      start(nextVersion(), trainingSample(), trigger);
    }
  }

  /**
   * The version trained last has not come back validated yet (and may still): watching the old one
   * would only find the same drift again.
   */
  private boolean waitingForReturn() {
    return activeVersion < newestVersion
        && seen - trainedAtSeen < RETURN_PATIENCE * lifecycle.retrainMinNewItems();
  }

  /** The active version is not of the configured method (the bootstrap's, say). */
  private boolean toBeReplaced() {
    return lifecycle.bootstraps() && !settings.isOfConfiguredMethod(activeEntry);
  }

  private boolean enoughNewItems() {
    return seen - trainedAtSeen >= lifecycle.retrainMinNewItems();
  }

  /**
   * Takes the live quality of the active version on the newest items: the first measurement is its
   * reference (not the training sample, on which any codebook looks better than on items it has not
   * seen); a later one that breaks a drift rule asks for a new version.
   */
  private Trigger onLiveQuality(Map<String, Double> metrics) {
    live = metrics;
    if (baseline == null) {
      baseline = live;
      LOG.info("Reference code quality of version {}: {}", activeVersion, baseline);
      return null;
    }
    String drift = drift(live);
    if (drift == null) {
      return null;
    }
    LOG.info("Codebook version {} drifted: {}", activeVersion, drift);
    return Trigger.DRIFT;
  }

  /**
   * Measures the newest items on the worker. A measurement assigns the whole window and computes
   * its spectrum (tens of ms at D = 384): on the task thread, at a measurement every few hundred
   * items, it held a backfill to a few hundred items/s. One at a time, and at most a fifth of the
   * worker's time: a due measurement waits, and runs once the one before has come back and the gap
   * after it has passed, so the newest window is always measured in the end.
   */
  private void startCheck() {
    if (check != null || !checkDue) {
      return;
    }
    long now = getProcessingTimeService().getCurrentProcessingTime();
    if (now < nextCheckAt) {
      scheduleCheckPoll(nextCheckAt);
      return;
    }
    checkDue = false;
    Codebook codebook = active;
    List<float[]> window = List.copyOf(recent);
    // The spectrum (information abundance) is no drift rule's, and costs more than the rest: a
    // gauge that moves once a minute is enough.
    boolean withSpectrum = baseline == null || now >= nextSpectrumAt;
    if (withSpectrum) {
      nextSpectrumAt = now + SPECTRUM_EVERY_MILLIS;
    }
    check =
        new Check(
            activeVersion,
            CompletableFuture.supplyAsync(
                () -> {
                  long start = System.nanoTime();
                  Map<String, Double> metrics =
                      withSpectrum
                          ? CodeStatistics.of(codebook, window)
                          : CodeStatistics.withoutSpectrum(codebook, window);
                  return new Measured(metrics, (System.nanoTime() - start) / 1_000_000);
                },
                worker));
    scheduleCheckPoll(now + POLL_MILLIS);
  }

  private void scheduleCheckPoll(long at) {
    if (checkPollPending) {
      return;
    }
    checkPollPending = true;
    getProcessingTimeService()
        .registerTimer(
            at,
            t -> {
              checkPollPending = false;
              pollCheck();
            });
  }

  /** On the task thread: takes a finished measurement, and starts the one due next. */
  private void pollCheck() {
    if (check != null) {
      if (!check.result.isDone()) {
        scheduleCheckPoll(getProcessingTimeService().getCurrentProcessingTime() + POLL_MILLIS);
        return;
      }
      Check done = check;
      check = null;
      Measured measured = null;
      try {
        measured = done.result.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (ExecutionException e) {
        LOG.warn("Measuring the live code quality failed", e.getCause());
      }
      if (measured != null) {
        nextCheckAt =
            getProcessingTimeService().getCurrentProcessingTime()
                + CHECK_GAP_FACTOR * measured.millis();
        // A measurement of a version since replaced says nothing about the active one.
        Map<String, Double> metrics = new HashMap<>(measured.metrics());
        if (metrics.get(ABUNDANCE).isNaN()) {
          metrics.put(ABUNDANCE, live.getOrDefault(ABUNDANCE, Double.NaN));
        }
        if (done.version == activeVersion
            && onLiveQuality(metrics) == Trigger.DRIFT
            && inFlight == null
            && !waitingForReturn()
            && !toBeReplaced()
            && enoughNewItems()) {
          start(nextVersion(), trainingSample(), Trigger.DRIFT);
        }
      }
    }
    startCheck();
  }

  /**
   * The reservoir plus the newest items, which weigh in beyond their share: they are what drifted.
   * Each embedding once: while the reservoir still holds every item, the newest are all in it, and
   * a twice-counted item would look like a collision of codes with itself.
   */
  private List<float[]> trainingSample() {
    Set<Embedding> distinct = new LinkedHashSet<>();
    reservoir.forEach(e -> distinct.add(new Embedding(e)));
    recent.forEach(e -> distinct.add(new Embedding(e)));
    return distinct.stream().map(Embedding::values).toList();
  }

  /** An embedding compared by its values: a restored reservoir and window share no arrays. */
  private record Embedding(float[] values) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Embedding other && Arrays.equals(values, other.values);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(values);
    }
  }

  /**
   * One above any version on the topic: rejected versions never reach this operator, and a number
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

  /**
   * Trains {@code version} on the worker (or here, without one). The sample is a list of its own:
   * the reservoir goes on changing, the arrays in it never do.
   */
  private void start(long version, List<float[]> sample, Trigger trigger) {
    trainedAtSeen = seen;
    trainedAtMillis = System.currentTimeMillis();
    CodebookTrainer trainer =
        trigger == Trigger.FIRST ? settings.firstTrainer() : settings.codebookTrainer();
    CompletableFuture<CodebookEntry> result;
    if (worker == null) {
      result = new CompletableFuture<>();
      try {
        result.complete(train(trainer, version, sample));
      } catch (RuntimeException e) {
        result.completeExceptionally(e);
      }
      inFlight = new InFlight(version, trigger, sample, result, trainedAtMillis);
      handOver();
      return;
    }
    result = CompletableFuture.supplyAsync(() -> train(trainer, version, sample), worker);
    inFlight = new InFlight(version, trigger, sample, result, trainedAtMillis);
    schedulePoll();
  }

  private void schedulePoll() {
    long now = getProcessingTimeService().getCurrentProcessingTime();
    getProcessingTimeService()
        .registerTimer(
            now + POLL_MILLIS,
            t -> {
              if (inFlight != null && inFlight.result.isDone()) {
                handOver();
              } else if (inFlight != null) {
                schedulePoll();
              }
            });
  }

  /** On the task thread: publishes what the worker trained, or counts its failure. */
  private void handOver() {
    InFlight done = inFlight;
    inFlight = null;
    CodebookEntry entry;
    try {
      entry = done.result.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    } catch (ExecutionException e) {
      // Never fail the indexing path for the trainer: try again on a larger sample.
      trainingFailures.inc();
      nextTrainingAt = seen + settings.trainAfterItems();
      LOG.warn(
          "Training codebook version {} on {} items failed",
          done.version,
          done.sample.size(),
          e.getCause());
      return;
    }
    if (done.trigger == Trigger.FIRST && newestVersion >= 0) {
      LOG.info(
          "A version arrived while the first one trained: version {} is not published",
          done.version);
      return;
    }
    // Published from outside while it trained (a validated version, or one validation rejected,
    // which never reaches input 2): the number is taken.
    entry.version = Math.max(entry.version, nextVersion());
    newestVersion = entry.version;
    lastTrainingMillis = System.currentTimeMillis() - done.startedMillis;
    output.collect(new StreamRecord<>(entry));
    switch (done.trigger) {
      case SCHEDULE -> scheduledTrainings.inc();
      case DRIFT -> driftTrainings.inc();
      case METHOD -> methodTrainings.inc();
      case FIRST -> {}
    }
  }

  private CodebookEntry train(CodebookTrainer trainer, long version, List<float[]> sample) {
    long start = System.currentTimeMillis();
    Codebook codebook = trainer.train(settings.embeddingModel(), sample);
    CodebookEntry entry = CodebookEntry.of(version, codebook, sample);
    LOG.info(
        "Trained codebook version {} ({} {}x{}) on {} items in {} ms: {}",
        version,
        entry.method,
        entry.numCodebooks,
        entry.codebookSize,
        sample.size(),
        System.currentTimeMillis() - start,
        entry.metrics());
    return entry;
  }

  @Override
  public void processElement2(StreamRecord<CodebookEntry> record) {
    CodebookEntry published = record.getValue();
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
      Codebook retired = active;
      if (check != null) {
        // The worker may be measuring with it: close it there, after the measurement.
        worker.execute(retired::close);
      } else {
        retired.close();
      }
    }
    activeEntry = entry;
    activeVersion = entry.version;
    active = CodebookCodec.deserialize(entry.method, entry.artifact);
  }

  /** Whether a measurement of live quality is due or on the worker, for tests. */
  boolean measuringLiveQuality() {
    return check != null || checkDue;
  }

  /** The active version's latest live quality, for tests. */
  Map<String, Double> liveQuality() {
    return live;
  }

  /** Whether a training has started and not been handed over yet, for tests. */
  boolean trainingInFlight() {
    return inFlight != null;
  }

  /**
   * Waits for the worker to finish the training and the quality measurement in flight (the task
   * thread still has to take them over, on its next poll), for tests.
   *
   * @return whether either was in flight, or a measurement is due
   */
  boolean awaitTraining(Duration timeout) throws InterruptedException {
    List<CompletableFuture<?>> pending = new ArrayList<>();
    if (inFlight != null && inFlight.result != null) {
      pending.add(inFlight.result);
    }
    if (check != null) {
      pending.add(check.result);
    }
    for (CompletableFuture<?> result : pending) {
      try {
        result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (ExecutionException e) {
        // A failure is a result too.
      } catch (TimeoutException e) {
        throw new IllegalStateException("worker still busy after " + timeout, e);
      }
    }
    // A measurement due but waiting for its gap counts too: the caller's clock must move on.
    return !pending.isEmpty() || checkDue;
  }

  @Override
  public void close() throws Exception {
    if (worker != null) {
      // A training in flight is lost with the task; a restore trains it again. The VQ-VAE trainer
      // stops at its next batch when interrupted: waiting a moment keeps a failover from running
      // the old training beside the new one.
      worker.shutdownNow();
      if (!worker.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
        LOG.warn("The codebook training in flight did not stop within {} s", CLOSE_WAIT_SECONDS);
      }
    }
    if (active != null) {
      active.close();
    }
    super.close();
  }

  @Override
  public void snapshotState(StateSnapshotContext context) throws Exception {
    super.snapshotState(context);
    RawOperatorState.write(
        context,
        RAW_STATE_VERSION,
        out -> {
          writeVectors(out, reservoir);
          writeVectors(out, recent);
          writeVectors(out, inFlight == null ? List.of() : inFlight.sample);
        });
    activeState.update(activeEntry == null ? List.of() : List.of(activeEntry));
    countersState.update(
        List.of(
            seen, newestVersion, trainedAtSeen, trainedAtMillis, activatedAtSeen, nextTrainingAt));
    List<Double> reference = new ArrayList<>();
    if (baseline != null) {
      LIVE_METRICS.forEach(name -> reference.add(baseline.get(name)));
    }
    referenceState.update(reference);
    if (inFlight == null) {
      inFlightState.update(List.of());
    } else {
      inFlightState.update(List.of(Long.toString(inFlight.version), inFlight.trigger.name()));
    }
  }

  private static void writeVectors(DataOutputView out, Collection<float[]> vectors)
      throws IOException {
    FloatArraySerializer serializer = new FloatArraySerializer();
    out.writeInt(vectors.size());
    for (float[] v : vectors) {
      serializer.serialize(v, out);
    }
  }

  private static List<float[]> readVectors(DataInputView in) throws IOException {
    FloatArraySerializer serializer = new FloatArraySerializer();
    int n = in.readInt();
    List<float[]> vectors = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      vectors.add(serializer.deserialize(in));
    }
    return vectors;
  }

  /** The vectors of raw state, or of the managed lists of a checkpoint from before it. */
  private void restoreVectors(StateInitializationContext context, List<float[]> sample)
      throws Exception {
    boolean raw =
        RawOperatorState.read(
            context,
            RAW_STATE_VERSION,
            in -> {
              reservoir.addAll(readVectors(in));
              readVectors(in).forEach(recent::addLast);
              sample.addAll(readVectors(in));
            });
    if (!raw) {
      reservoirState.get().forEach(reservoir::add);
      recentState.get().forEach(recent::addLast);
      inFlightSampleState.get().forEach(sample::add);
    }
    reservoirState.clear();
    recentState.clear();
    inFlightSampleState.clear();
  }

  @Override
  public void initializeState(StateInitializationContext context) throws Exception {
    super.initializeState(context);
    var store = context.getOperatorStateStore();
    reservoirState = store.getListState(RESERVOIR);
    recentState = store.getListState(RECENT);
    activeState = store.getListState(ACTIVE);
    countersState = store.getListState(COUNTERS);
    referenceState = store.getListState(REFERENCE);
    inFlightState = store.getListState(IN_FLIGHT);
    inFlightSampleState = store.getListState(IN_FLIGHT_SAMPLE);
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
    List<float[]> sample = new ArrayList<>();
    restoreVectors(context, sample);
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
    if (counters.size() >= 6) {
      nextTrainingAt = counters.get(5);
    }
    List<Double> reference = new ArrayList<>();
    referenceState.get().forEach(reference::add);
    if (reference.size() == LIVE_METRICS.size()) {
      baseline = new HashMap<>();
      for (int i = 0; i < reference.size(); i++) {
        baseline.put(LIVE_METRICS.get(i), reference.get(i));
      }
    }
    List<String> pending = new ArrayList<>();
    inFlightState.get().forEach(pending::add);
    if (pending.size() == 2) {
      inFlight =
          new InFlight(
              Long.parseLong(pending.get(0)), Trigger.valueOf(pending.get(1)), sample, null, 0);
    }
  }
}
