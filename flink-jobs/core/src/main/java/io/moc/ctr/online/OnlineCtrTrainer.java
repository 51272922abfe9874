package io.moc.ctr.online;

import io.moc.ctr.metrics.LogLoss;
import io.moc.ctr.metrics.SlidingWindowMetrics;
import io.moc.ctr.model.CtrBatch;
import io.moc.ctr.model.CtrModel;
import io.moc.ctr.model.CtrModelConfig;
import io.moc.util.Sha256;
import io.moc.util.SplitMix64;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Continuous training of one {@link CtrModel} for one codebook version on the joined example
 * stream, prequentially: every mini-batch is scored before the model trains on it, so the sliding
 * AUC and logloss (all examples, and the cold-start slice of young items) measure predictions on
 * examples the model had not yet seen.
 *
 * <p>{@link #snapshot()} captures everything the trainer's future depends on (parameters, Adam's
 * moments, the dropout and shuffle streams, the partial batch, the replay window and any replay
 * pass under way, both metric windows, the counters), so that {@link #restore} continues
 * bit-identically on the same machine and PyTorch thread count. Not thread-safe: one instance per
 * operator instance.
 */
public final class OnlineCtrTrainer implements AutoCloseable {

  private static final int MAGIC = 0x4d6f4354; // "MoCT"
  // 2: replay passes under way are part of the snapshot.
  private static final int VERSION = 2;

  private final FeatureContract contract;
  private final TrainerSettings settings;
  private final CtrModel model;
  private final int width;

  private final int[][] pendingRows;
  private final float[] pendingLabels;
  private final boolean[] pendingCold;
  private int pending;

  // A ring: example i of the window (0 the oldest) is at (replayOldest + i) % capacity.
  private final int[][] replayRows;
  private final float[] replayLabels;
  private int replayOldest;
  private int replaySize;

  private SlidingWindowMetrics window;
  private SlidingWindowMetrics coldStart;
  private SplitMix64 random;
  private long seen;
  private long trained;
  private long replaySteps;
  private long lastEventTime = Long.MIN_VALUE;
  private float lastLoss = Float.NaN;
  private ReplayPass pass;
  private double lastPassLoss = Double.NaN;

  private OnlineCtrTrainer(FeatureContract contract, TrainerSettings settings, CtrModel model) {
    contract.check(model);
    this.contract = contract;
    this.settings = settings;
    this.model = model;
    this.width = 2 + contract.codebooks();
    this.pendingRows = new int[settings.batchSize()][];
    this.pendingLabels = new float[settings.batchSize()];
    this.pendingCold = new boolean[settings.batchSize()];
    this.replayRows = new int[settings.replayCapacity()][];
    this.replayLabels = new float[settings.replayCapacity()];
    this.window = new SlidingWindowMetrics(settings.windowSize());
    this.coldStart = new SlidingWindowMetrics(settings.coldStartWindowSize());
    this.random = new SplitMix64(settings.seed());
  }

  /**
   * A trainer with a freshly initialised model.
   *
   * @param config the model, reading {@code contract}'s columns (see {@link
   *     FeatureContract#modelConfig})
   * @throws IllegalArgumentException when the configuration does not fit the contract
   */
  public static OnlineCtrTrainer create(
      CtrModelConfig config, FeatureContract contract, TrainerSettings settings) {
    contract.check(config);
    return new OnlineCtrTrainer(
        contract, settings, CtrModel.create(config, contract.codebookVersion()));
  }

  /**
   * A trainer with a freshly initialised CODE_VECTORS model, which reads {@code codeVectors} (of
   * the contract's codebook version; see {@link CtrModel#codeVectorsOf}).
   */
  public static OnlineCtrTrainer create(
      CtrModelConfig config,
      FeatureContract contract,
      TrainerSettings settings,
      float[][] codeVectors) {
    contract.check(config);
    return new OnlineCtrTrainer(
        contract, settings, CtrModel.create(config, contract.codebookVersion(), codeVectors));
  }

  /**
   * Takes one example; when it fills the batch, scores the batch into the metric windows, then
   * trains one step on it and moves it into the replay window.
   *
   * @throws CodebookVersionMismatchException for codes of another codebook version; the trainer is
   *     unchanged
   * @throws IllegalArgumentException for codes that do not fit the contract; the trainer is
   *     unchanged
   */
  public void accept(CtrExample example) {
    if (example.codebookVersion != contract.codebookVersion()) {
      throw new CodebookVersionMismatchException(
          contract.codebookVersion(), example.codebookVersion);
    }
    int[] row = contract.row(example.userId, example.itemId, example.codes);
    pendingRows[pending] = row;
    pendingLabels[pending] = example.clicked ? 1f : 0f;
    // An item first seen after the impression (two topics' clocks disagree) counts as young.
    pendingCold[pending] = example.eventTime - example.itemFirstSeen < settings.coldStartAgeMs();
    pending++;
    seen++;
    lastEventTime = Math.max(lastEventTime, example.eventTime);
    if (pending == settings.batchSize()) {
      scoreThenTrain();
    }
  }

  /**
   * Scores and trains on the partial batch now, for the end of a bounded stream; a no-op when
   * nothing is pending.
   */
  public void flush() {
    if (pending > 0) {
      scoreThenTrain();
    }
  }

  private void scoreThenTrain() {
    CtrBatch batch =
        new CtrBatch(
            Arrays.copyOf(pendingRows, pending), null, Arrays.copyOf(pendingLabels, pending));
    float[] predictions = model.predict(batch);
    for (int i = 0; i < pending; i++) {
      window.add(predictions[i], pendingLabels[i]);
      if (pendingCold[i]) {
        coldStart.add(predictions[i], pendingLabels[i]);
      }
    }
    lastLoss = model.trainStep(batch);
    trained += pending;
    for (int i = 0; i < pending; i++) {
      remember(pendingRows[i], pendingLabels[i]);
      pendingRows[i] = null;
    }
    pending = 0;
  }

  private void remember(int[] row, float label) {
    int capacity = replayRows.length;
    int slot = (replayOldest + replaySize) % capacity;
    replayRows[slot] = row;
    replayLabels[slot] = label;
    if (replaySize == capacity) {
      replayOldest = (replayOldest + 1) % capacity;
    } else {
      replaySize++;
    }
  }

  /**
   * Trains {@code epochs} passes over the replay window, each in a fresh seeded shuffle, in batches
   * of the batch size; the metric windows are untouched (these examples were scored already). The
   * same as {@link #beginRetrain} and {@link #retrainSteps} until done, in one call.
   *
   * @return the mean batch loss of the last pass; NaN when the window is empty or epochs is 0
   * @throws IllegalStateException when a chunked pass is under way
   */
  public double retrain(int epochs) {
    beginRetrain(epochs);
    while (retrainSteps(Integer.MAX_VALUE, Long.MAX_VALUE)) {
      // One call runs it all.
    }
    return lastPassLoss;
  }

  /**
   * Starts {@code epochs} passes over the replay window as it is now, to be trained a few steps at
   * a time by {@link #retrainSteps} between online examples, which go on being scored and trained
   * meanwhile. Examples that enter the window during the passes are not in them: they were just
   * trained on. The passes in progress are part of the {@link #snapshot()}.
   *
   * @throws IllegalStateException when passes are under way already
   */
  public void beginRetrain(int epochs) {
    if (epochs < 0) {
      throw new IllegalArgumentException("epochs must be >= 0: " + epochs);
    }
    if (pass != null) {
      throw new IllegalStateException("a retraining pass is under way");
    }
    lastPassLoss = Double.NaN;
    if (epochs == 0 || replaySize == 0) {
      return;
    }
    int[][] rows = new int[replaySize][];
    float[] labels = new float[replaySize];
    for (int i = 0; i < replaySize; i++) {
      int slot = (replayOldest + i) % replayRows.length;
      rows[i] = replayRows[slot];
      labels[i] = replayLabels[slot];
    }
    pass = new ReplayPass(rows, labels, new int[replaySize], epochs);
  }

  /** Whether passes begun by {@link #beginRetrain} have steps left. */
  public boolean retraining() {
    return pass != null;
  }

  /**
   * Trains at most {@code maxSteps} batches of the passes under way, stopping early once {@code
   * maxNanos} have gone by (after at least one step).
   *
   * @return whether steps are left
   */
  public boolean retrainSteps(int maxSteps, long maxNanos) {
    long start = System.nanoTime();
    for (int step = 0; pass != null && step < maxSteps; step++) {
      if (step > 0 && System.nanoTime() - start >= maxNanos) {
        break;
      }
      ReplayPass p = pass;
      int size = p.rows.length;
      if (p.position == 0) {
        // Each epoch's shuffle is drawn as it starts, so that a pass run in one call and one run in
        // chunks draw the same orders.
        for (int i = 0; i < size; i++) {
          p.order[i] = i;
        }
        for (int i = size - 1; i > 0; i--) {
          int j = random.nextInt(i + 1);
          int swap = p.order[i];
          p.order[i] = p.order[j];
          p.order[j] = swap;
        }
      }
      int n = Math.min(settings.batchSize(), size - p.position);
      int[][] rows = new int[n][];
      float[] labels = new float[n];
      for (int i = 0; i < n; i++) {
        rows[i] = p.rows[p.order[p.position + i]];
        labels[i] = p.labels[p.order[p.position + i]];
      }
      p.lossSum += model.trainStep(new CtrBatch(rows, null, labels));
      p.batches++;
      replaySteps++;
      p.position += n;
      if (p.position == size) {
        lastPassLoss = p.lossSum / p.batches;
        p.position = 0;
        p.lossSum = 0;
        p.batches = 0;
        if (--p.epochsLeft == 0) {
          pass = null;
        }
      }
    }
    return pass != null;
  }

  /** Replay passes under way: the window as it was when they began, and where they stand. */
  private static final class ReplayPass {
    final int[][] rows;
    final float[] labels;
    final int[] order;
    int epochsLeft;
    int position;
    double lossSum;
    int batches;

    ReplayPass(int[][] rows, float[] labels, int[] order, int epochsLeft) {
      this.rows = rows;
      this.labels = labels;
      this.order = order;
      this.epochsLeft = epochsLeft;
    }
  }

  /**
   * The current model's mean logloss on the replay window (how well it fits what it was trained on,
   * unlike the prequential window); NaN when the window is empty.
   */
  public double replayLogLoss() {
    if (replaySize == 0) {
      return Double.NaN;
    }
    double sum = 0;
    for (int from = 0; from < replaySize; from += settings.batchSize()) {
      int n = Math.min(settings.batchSize(), replaySize - from);
      int[][] rows = new int[n][];
      float[] labels = new float[n];
      for (int i = 0; i < n; i++) {
        int slot = (replayOldest + from + i) % replayRows.length;
        rows[i] = replayRows[slot];
        labels[i] = replayLabels[slot];
      }
      sum += LogLoss.of(model.predict(CtrBatch.of(rows, null)), labels) * n;
    }
    return sum / replaySize;
  }

  /**
   * The current model's click probability of an impression, through the same feature contract as
   * training and {@link ModelArtifact.Scorer}.
   *
   * @param codes the item's codes of {@link #codebookVersion()}, or null for none
   */
  public float score(String userId, String itemId, int[] codes) {
    return score(new String[] {userId}, new String[] {itemId}, new int[][] {codes})[0];
  }

  /** Click probabilities of a batch, one model call. */
  public float[] score(String[] userIds, String[] itemIds, int[][] codes) {
    return contract.score(model, userIds, itemIds, codes);
  }

  /** What to publish for scoring: the model now, without optimiser state, with its contract. */
  public ModelArtifact artifact() {
    return ModelArtifact.of(model, contract);
  }

  /**
   * A trainer for codebook version {@code newVersion} that starts from this one's model: the code
   * embeddings of each codebook m are carried through the items' old → new codes (new code c of
   * codebook m starts as the mean of the old code-m embeddings of the items that now have c; a code
   * no item maps to keeps its fresh initialisation), every other parameter is copied, and the
   * contract, settings and model configuration are this trainer's. Adam, the windows, the replay
   * and the counters start empty: the old examples carry old codes. This trainer is left as it is;
   * flush it first to train on its partial batch.
   *
   * @param oldCodes item id → codes under this trainer's version
   * @param newCodes item id → codes under {@code newVersion}; items in only one map are ignored
   * @throws IllegalArgumentException when the version is this trainer's or a code does not fit
   */
  public OnlineCtrTrainer warmStartFor(
      long newVersion, Map<String, int[]> oldCodes, Map<String, int[]> newCodes) {
    if (newVersion == contract.codebookVersion()) {
      throw new IllegalArgumentException("already at codebook version " + newVersion);
    }
    if (model.config().carriesCodeVectors()) {
      throw new IllegalStateException(
          "a model that carries code vectors warm-starts with its new code vectors");
    }
    int m = contract.codebooks();
    int vocabulary = contract.codebookSize() + 1;
    List<List<List<Integer>>> sources = new ArrayList<>();
    for (int b = 0; b < m; b++) {
      List<List<Integer>> field = new ArrayList<>();
      for (int v = 0; v < vocabulary; v++) {
        field.add(new ArrayList<>());
      }
      // "No codes" means the same under every version.
      field.get(0).add(0);
      sources.add(field);
    }
    for (Map.Entry<String, int[]> item : newCodes.entrySet()) {
      int[] old = oldCodes.get(item.getKey());
      if (old == null) {
        continue;
      }
      // The contract's rows give the code fields' indices, validated: codes c → c + 1.
      int[] from = contract.row(null, null, old);
      int[] to = contract.row(null, null, item.getValue());
      for (int b = 0; b < m; b++) {
        sources.get(b).get(to[2 + b]).add(from[2 + b]);
      }
    }
    int[][][] codeSources = new int[m][vocabulary][];
    for (int b = 0; b < m; b++) {
      for (int v = 0; v < vocabulary; v++) {
        codeSources[b][v] = sources.get(b).get(v).stream().mapToInt(Integer::intValue).toArray();
      }
    }
    CtrModel migrated = model.remapCodes(newVersion, codeSources);
    return new OnlineCtrTrainer(contract.withCodebookVersion(newVersion), settings, migrated);
  }

  /**
   * Whether {@link #warmStartWithCodeVectors} takes these vectors (see {@link
   * CtrModel#fitsCodeVectors}).
   */
  public boolean fitsCodeVectors(float[][] codeVectors) {
    return model.fitsCodeVectors(codeVectors);
  }

  /**
   * A trainer of a model that carries code vectors for codebook version {@code newVersion} that
   * starts from this one's model with that version's code vectors (see {@link
   * CtrModel#withCodeVectors}); windows and counters start afresh, as for {@link #warmStartFor}.
   */
  public OnlineCtrTrainer warmStartWithCodeVectors(long newVersion, float[][] codeVectors) {
    if (newVersion == contract.codebookVersion()) {
      throw new IllegalArgumentException("already at codebook version " + newVersion);
    }
    return new OnlineCtrTrainer(
        contract.withCodebookVersion(newVersion),
        settings,
        model.withCodeVectors(newVersion, codeVectors));
  }

  /**
   * Whether the model reads the codebook's code vectors (CODE_VECTORS) rather than embeds codes.
   */
  public boolean readsCodeVectors() {
    return model.config().carriesCodeVectors();
  }

  /**
   * Everything the trainer's future depends on, checksummed: see {@link #restore}. Costs about
   * three times the model's parameters (values and Adam's two moments) plus the replay window.
   */
  public byte[] snapshot() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(MAGIC);
      out.writeInt(VERSION);
      contract.writeTo(out);
      out.writeInt(settings.batchSize());
      out.writeInt(settings.windowSize());
      out.writeInt(settings.coldStartWindowSize());
      out.writeLong(settings.coldStartAgeMs());
      out.writeInt(settings.replayCapacity());
      out.writeLong(settings.seed());
      out.writeLong(seen);
      out.writeLong(trained);
      out.writeLong(replaySteps);
      out.writeLong(lastEventTime);
      out.writeFloat(lastLoss);
      out.writeLong(random.state());
      byte[] checkpoint = model.toBytes(true);
      out.writeInt(checkpoint.length);
      out.write(checkpoint);
      out.writeInt(pending);
      for (int i = 0; i < pending; i++) {
        writeRow(out, pendingRows[i]);
        out.writeFloat(pendingLabels[i]);
        out.writeBoolean(pendingCold[i]);
      }
      out.writeInt(replaySize);
      for (int i = 0; i < replaySize; i++) {
        int slot = (replayOldest + i) % replayRows.length;
        writeRow(out, replayRows[slot]);
        out.writeFloat(replayLabels[slot]);
      }
      window.writeTo(out);
      coldStart.writeTo(out);
      out.writeBoolean(pass != null);
      if (pass != null) {
        out.writeInt(pass.epochsLeft);
        out.writeInt(pass.position);
        out.writeDouble(pass.lossSum);
        out.writeInt(pass.batches);
        out.writeInt(pass.rows.length);
        for (int i = 0; i < pass.rows.length; i++) {
          writeRow(out, pass.rows[i]);
          out.writeFloat(pass.labels[i]);
          out.writeInt(pass.order[i]);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Sha256.withDigest(bytes.toByteArray());
  }

  /**
   * The trainer a {@link #snapshot()} was taken of, continuing exactly where it stopped.
   *
   * @throws IllegalArgumentException when the checksum does not match or the bytes are malformed
   */
  public static OnlineCtrTrainer restore(byte[] snapshot) {
    byte[] body = Sha256.verifiedBody(snapshot, "trainer snapshot");
    OnlineCtrTrainer trainer = null;
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(body))) {
      if (in.readInt() != MAGIC) {
        throw new IllegalArgumentException("not a trainer snapshot (bad magic number)");
      }
      int version = in.readInt();
      if (version != 1 && version != VERSION) {
        throw new IllegalArgumentException("unsupported trainer snapshot version " + version);
      }
      FeatureContract contract = FeatureContract.readFrom(in);
      TrainerSettings settings =
          new TrainerSettings(
              in.readInt(), in.readInt(), in.readInt(), in.readLong(), in.readInt(), in.readLong());
      long seen = in.readLong();
      long trained = in.readLong();
      long replaySteps = in.readLong();
      long lastEventTime = in.readLong();
      float lastLoss = in.readFloat();
      long randomState = in.readLong();
      int length = in.readInt();
      if (length < 0 || length > in.available()) {
        throw new IllegalArgumentException("trainer snapshot too short for its model");
      }
      byte[] checkpoint = new byte[length];
      in.readFully(checkpoint);
      trainer = new OnlineCtrTrainer(contract, settings, CtrModel.fromBytes(checkpoint));
      trainer.seen = seen;
      trainer.trained = trained;
      trainer.replaySteps = replaySteps;
      trainer.lastEventTime = lastEventTime;
      trainer.lastLoss = lastLoss;
      trainer.random = new SplitMix64(randomState);
      int pending = in.readInt();
      if (pending < 0 || pending >= settings.batchSize()) {
        throw new IllegalArgumentException("bad partial batch size " + pending);
      }
      for (int i = 0; i < pending; i++) {
        trainer.pendingRows[i] = trainer.readRow(in);
        trainer.pendingLabels[i] = readLabel(in);
        trainer.pendingCold[i] = in.readBoolean();
      }
      trainer.pending = pending;
      int replaySize = in.readInt();
      if (replaySize < 0 || replaySize > settings.replayCapacity()) {
        throw new IllegalArgumentException("bad replay window size " + replaySize);
      }
      for (int i = 0; i < replaySize; i++) {
        trainer.replayRows[i] = trainer.readRow(in);
        trainer.replayLabels[i] = readLabel(in);
      }
      trainer.replaySize = replaySize;
      trainer.window = readWindow(in, settings.windowSize());
      trainer.coldStart = readWindow(in, settings.coldStartWindowSize());
      if (version >= 2 && in.readBoolean()) {
        trainer.pass = readPass(trainer, in, settings.replayCapacity());
      }
      if (in.available() > 0) {
        throw new IllegalArgumentException("trainer snapshot has trailing bytes");
      }
      return trainer;
    } catch (IOException | RuntimeException e) {
      if (trainer != null) {
        trainer.close();
      }
      if (e instanceof IOException) {
        throw new IllegalArgumentException("truncated trainer snapshot", e);
      }
      throw (RuntimeException) e;
    }
  }

  private static ReplayPass readPass(OnlineCtrTrainer trainer, DataInputStream in, int capacity)
      throws IOException {
    int epochsLeft = in.readInt();
    int position = in.readInt();
    double lossSum = in.readDouble();
    int batches = in.readInt();
    int size = in.readInt();
    if (epochsLeft < 1 || size < 1 || size > capacity || position < 0 || position >= size) {
      throw new IllegalArgumentException("bad replay pass in the snapshot");
    }
    ReplayPass pass = new ReplayPass(new int[size][], new float[size], new int[size], epochsLeft);
    for (int i = 0; i < size; i++) {
      pass.rows[i] = trainer.readRow(in);
      pass.labels[i] = readLabel(in);
      pass.order[i] = in.readInt();
      if (pass.order[i] < 0 || pass.order[i] >= size) {
        throw new IllegalArgumentException("bad replay pass order in the snapshot");
      }
    }
    pass.position = position;
    pass.lossSum = lossSum;
    pass.batches = batches;
    return pass;
  }

  private static void writeRow(DataOutputStream out, int[] row) throws IOException {
    for (int v : row) {
      out.writeInt(v);
    }
  }

  private int[] readRow(DataInputStream in) throws IOException {
    int[] row = new int[width];
    for (int j = 0; j < width; j++) {
      row[j] = in.readInt();
      int vocabulary = model.config().fields().get(j).vocabularySize();
      if (row[j] < 0 || row[j] >= vocabulary) {
        throw new IllegalArgumentException("snapshot row index outside its field");
      }
    }
    return row;
  }

  private static float readLabel(DataInputStream in) throws IOException {
    float label = in.readFloat();
    if (label != 0f && label != 1f) {
      throw new IllegalArgumentException("snapshot label is not 0 or 1");
    }
    return label;
  }

  private static SlidingWindowMetrics readWindow(DataInputStream in, int capacity)
      throws IOException {
    SlidingWindowMetrics window = SlidingWindowMetrics.readFrom(in);
    if (window.capacity() != capacity) {
      throw new IllegalArgumentException("metric window capacity differs from the settings");
    }
    return window;
  }

  public FeatureContract contract() {
    return contract;
  }

  public TrainerSettings settings() {
    return settings;
  }

  public long codebookVersion() {
    return contract.codebookVersion();
  }

  /** Examples accepted, the pending ones included. */
  public long examplesSeen() {
    return seen;
  }

  /** Examples scored and trained on in the online pass (replay passes not counted). */
  public long examplesTrained() {
    return trained;
  }

  /** Examples waiting for their batch to fill. */
  public int pendingExamples() {
    return pending;
  }

  /** Training steps over the replay window. */
  public long replaySteps() {
    return replaySteps;
  }

  /** The model's training steps, online and replay. */
  public long modelSteps() {
    return model.steps();
  }

  /**
   * The model's parameter values, in the network's order (see {@link CtrModel#parameterArrays}).
   */
  public float[][] parameters() {
    return model.parameterArrays();
  }

  /**
   * Overwrites the model's parameter values, keeping Adam's moments, the windows and the counters
   * (see {@link CtrModel#setParameterArrays}).
   */
  public void setParameters(float[][] values) {
    model.setParameterArrays(values);
  }

  /** The latest event time accepted, epoch ms; {@link Long#MIN_VALUE} before any. */
  public long lastEventTime() {
    return lastEventTime;
  }

  /** The loss of the last online batch before its step; NaN before any. */
  public float lastBatchLoss() {
    return lastLoss;
  }

  public int replaySize() {
    return replaySize;
  }

  /** Prequential AUC of the sliding window; NaN while it lacks a click or a non-click. */
  public double windowAuc() {
    return window.auc();
  }

  public double windowLogLoss() {
    return window.logLoss();
  }

  public int windowCount() {
    return window.size();
  }

  /** Prequential AUC over the cold-start examples' window. */
  public double coldStartAuc() {
    return coldStart.auc();
  }

  public double coldStartLogLoss() {
    return coldStart.logLoss();
  }

  public int coldStartCount() {
    return coldStart.size();
  }

  @Override
  public void close() {
    model.close();
  }
}
