package io.moc.bench;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.translate.Batchifier;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import io.moc.ctr.data.CtrDataset;
import io.moc.ctr.data.Split;
import io.moc.ctr.data.Vocabulary;
import io.moc.ctr.eval.CtrFeatures;
import io.moc.ctr.model.CtrBatch;
import io.moc.ctr.model.CtrModel;
import io.moc.ctr.model.CtrModelConfig;
import io.moc.ctr.model.CtrModelConfig.Backbone;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * {@code bin/moc bench ctr}: training and scoring throughput of {@link CtrModel} next to the same
 * network driven by DJL's own {@link Trainer} ({@link EasyTrain#trainBatch}, Adam, sigmoid binary
 * cross-entropy) and {@link Predictor}, in the same run, with JVM heap and process RSS peaks.
 *
 * <p>Our side pays for building each batch from the dataset ({@link CtrFeatures#batch}) and for
 * checking and offsetting its indices, as the evaluation and the streaming job do; the raw side
 * reads batches pre-built as NDArrays, so the ratio is what our path costs over DJL's bare loop.
 * The two sides alternate (ours, raw, then raw, ours) so that drift on a shared machine hits both.
 */
public final class CtrBenchmark {

  /**
   * @param data a dataset directory in the ../shared/data format
   * @param steps timed mini-batches per side and repeat
   * @param repeats timed runs per side, alternating which side goes first
   */
  public record Options(
      Path data, int batch, int steps, int repeats, List<Backbone> backbones, long seed) {
    public Options {
      if (batch < 1 || steps < 1 || repeats < 1 || backbones.isEmpty()) {
        throw new IllegalArgumentException(
            "batch, steps and repeats must be >= 1, backbones given");
      }
      backbones = List.copyOf(backbones);
    }
  }

  static final int NUM_CODEBOOKS = 7;
  static final int CODEBOOK_SIZE = 256;
  static final String CODES =
      "item-index-derived: code m of item i is 1 + mix64(i * M + m) mod K (SplittableRandom's"
          + " mixer), M=7, K=256; no semantics, throughput only";

  private static final Loss LOSS = Loss.sigmoidBinaryCrossEntropyLoss();

  private final PrintStream console;

  public CtrBenchmark(PrintStream console) {
    this.console = console;
  }

  /** The figures: one row per backbone, ours next to plain DJL in the same run. */
  public record Report(
      String dataset,
      int batch,
      int steps,
      int repeats,
      String codes,
      double loadAverageAtStart,
      List<Row> rows,
      int threads,
      int interopThreads,
      String notes) {}

  /** One backbone: training and scoring, ours and DJL's own loop, and memory peaks. */
  public record Row(
      String backbone,
      long parameters,
      long trainExamplesPerS,
      long rawTrainExamplesPerS,
      double trainRatio,
      long scoreExamplesPerS,
      long rawScoreExamplesPerS,
      double scoreRatio,
      long batchBuildExamplesPerS,
      double heapPeakMb,
      double rssPeakMb,
      boolean rssPeakReset) {}

  public Report run(Options options) throws Exception {
    CtrDataset data = CtrDataset.load(options.data(), 1);
    CtrFeatures features =
        new CtrFeatures(data, codes(data.items().size()), null, buckets(data.items().size()));
    int trainSize = data.train().size();
    if (trainSize < options.batch()) {
      throw new IllegalArgumentException(
          "the training split has " + trainSize + " examples, fewer than one batch");
    }
    int[] order = shuffled(trainSize, new Random(options.seed()));

    // The machine is shared: the load at the start tells how far to trust absolute figures.
    double load = round(ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    List<Row> rows = new ArrayList<>();
    for (Backbone backbone : options.backbones()) {
      CtrModelConfig config =
          features
              .fields(CtrModelConfig.builder(), CODEBOOK_SIZE)
              .backbone(backbone)
              .representation(CtrModelConfig.ItemRepresentation.CODES)
              .fusion(CtrModelConfig.Fusion.GATE)
              .embeddingDim(16)
              .mlpSizes(64, 32)
              .seed(options.seed())
              .build();
      rows.add(backbone(config, features, order, options));
    }
    // Read after the engine has started: it applies -Dai.djl.pytorch.num_threads on load.
    return new Report(
        options.data().getFileName().toString(),
        options.batch(),
        options.steps(),
        options.repeats(),
        CODES,
        load,
        rows,
        JniUtils.getNumThreads(),
        JniUtils.getNumInteropThreads(),
        "ours = CtrModel.trainStep/predict including CtrFeatures.batch; raw = the same network block"
            + " (CtrModel.network) under DJL Model + Trainer (DefaultTrainingConfig, sigmoid BCE,"
            + " Adam at the same learning rate) + EasyTrain.trainBatch + Trainer.step, and a DJL"
            + " Predictor, over the same batches pre-built as NDArrays. Figures are means of the"
            + " repeats. heap_peak_mb sums the peaks of the heap pools (reset per backbone), an"
            + " upper bound of the simultaneous peak; rss_peak_mb is the process-wide VmHWM,"
            + " reset per backbone (to the RSS of that moment, which keeps what the native"
            + " allocator retained from earlier backbones) only when rss_peak_reset is true.");
  }

  private Row backbone(CtrModelConfig config, CtrFeatures features, int[] order, Options options)
      throws Exception {
    boolean rssReset = MemoryPeaks.reset();
    int b = options.batch();
    int steps = options.steps();
    int warmup = Math.max(2, Math.min(steps, 10));
    int[] starts = new int[Math.max(steps, warmup)];
    for (int j = 0; j < starts.length; j++) {
      starts[j] = (int) ((long) j * b % (order.length - b + 1));
    }
    try (CtrModel ours = CtrModel.create(config, 0);
        Model model = Model.newInstance("ctr-raw-" + config.backbone(), CtrModel.ENGINE);
        NDManager batches = NDManager.newBaseManager(CtrModel.ENGINE)) {
      int columns = config.activeFields().length;
      NDList[] inputs = new NDList[starts.length];
      NDArray[] labels = new NDArray[starts.length];
      for (int j = 0; j < starts.length; j++) {
        CtrBatch batch = features.batch(Split.TRAIN, order, starts[j], starts[j] + b);
        inputs[j] = new NDList(batches.create(ours.indices(batch), new Shape(b, columns)));
        labels[j] = batches.create(batch.labels());
      }
      Block block = CtrModel.network(config);
      model.setBlock(block);
      DefaultTrainingConfig training =
          new DefaultTrainingConfig(LOSS)
              .optOptimizer(
                  Optimizer.adam()
                      .optLearningRateTracker(Tracker.fixed(config.learningRate()))
                      .build())
              .optDevices(new Device[] {Device.cpu()});
      try (Trainer trainer = model.newTrainer(training);
          Predictor<NDList, float[]> predictor = model.newPredictor(new Probabilities(block))) {
        trainer.initialize(new Shape(b, columns));
        NDArray[] parameters =
            block.getParameters().values().stream().map(p -> p.getArray()).toArray(NDArray[]::new);

        Side oursTrain =
            j -> ours.trainStep(features.batch(Split.TRAIN, order, starts[j], starts[j] + b));
        Side rawTrain =
            j -> {
              rawTrainStep(trainer, parameters, inputs[j].head(), labels[j], b);
              return labels[j];
            };
        Side oursScore =
            j -> ours.predict(features.batch(Split.TRAIN, order, starts[j], starts[j] + b));
        Side rawScore = j -> predictor.predict(inputs[j]);
        Side build = j -> features.batch(Split.TRAIN, order, starts[j], starts[j] + b);

        for (Side side : List.of(oursTrain, rawTrain, oursScore, rawScore, build)) {
          repeat(side, warmup);
        }
        double[] train = alternate(oursTrain, rawTrain, steps, options.repeats());
        double[] score = alternate(oursScore, rawScore, steps, options.repeats());
        double buildSeconds = repeat(build, steps);
        Row row =
            new Row(
                config.backbone().name(),
                ours.parameterCount(),
                rate(b, steps, train[0]),
                rate(b, steps, train[1]),
                ratio(train[1], train[0]),
                rate(b, steps, score[0]),
                rate(b, steps, score[1]),
                ratio(score[1], score[0]),
                rate(b, steps, buildSeconds),
                round(MemoryPeaks.heapPeakBytes() / 1048576.0),
                round(MemoryPeaks.rssPeakBytes() / 1048576.0),
                rssReset);
        console.printf(
            "%-12s train %8.0f ex/s (raw DJL %8.0f, ratio %.2f)  score %8.0f ex/s (raw %8.0f,"
                + " ratio %.2f)  heap peak %.0f MB, RSS peak %.0f MB%n",
            config.backbone(),
            b * steps / train[0],
            b * steps / train[1],
            train[1] / train[0],
            b * steps / score[0],
            b * steps / score[1],
            score[1] / score[0],
            MemoryPeaks.heapPeakBytes() / 1048576.0,
            MemoryPeaks.rssPeakBytes() / 1048576.0);
        return row;
      }
    }
  }

  /**
   * One step of the plain DJL loop. A {@link Batch} takes its arrays for good (it attaches them to
   * its manager and frees them on close), so, as a DJL dataset hands out fresh arrays for every
   * batch, it gets copies of the pre-built ones. The parameters join the batch's manager during the
   * forward and backward pass because the network gathers embedding rows from its table (an array
   * created from the table lands in the table's manager and would pile up there), and leave it
   * before {@link Trainer#step}: Adam's moments are created next to the parameters and must outlive
   * the step.
   */
  private static void rawTrainStep(
      Trainer trainer, NDArray[] parameters, NDArray data, NDArray labels, int size) {
    try (Batch batch =
        new Batch(
            trainer.getManager().newSubManager(),
            new NDList(data.duplicate()),
            new NDList(labels.duplicate()),
            size,
            Batchifier.STACK,
            Batchifier.STACK,
            0,
            0)) {
      batch.getManager().tempAttachAll(parameters);
      EasyTrain.trainBatch(trainer, batch);
    }
    trainer.step();
  }

  /** Logits to click probabilities, one input list per call (no batchifier). */
  private static final class Probabilities implements Translator<NDList, float[]> {

    private final Block block;

    Probabilities(Block block) {
      this.block = block;
    }

    @Override
    public NDList processInput(TranslatorContext ctx, NDList input) {
      // The predictor's per-call manager frees the intermediates; see rawTrainStep for why the
      // parameters join it too.
      ctx.getNDManager().tempAttachAll(input);
      ctx.getNDManager()
          .tempAttachAll(
              block.getParameters().values().stream()
                  .map(p -> p.getArray())
                  .toArray(NDArray[]::new));
      return input;
    }

    @Override
    public float[] processOutput(TranslatorContext ctx, NDList list) {
      return Activation.sigmoid(list.singletonOrThrow()).toFloatArray();
    }

    @Override
    public Batchifier getBatchifier() {
      return null;
    }
  }

  /** One unit of timed work: step {@code j} of a side. */
  @FunctionalInterface
  private interface Side {
    Object run(int j) throws Exception;
  }

  /** Mean seconds per run of {@code a} and of {@code b}, alternating which runs first. */
  private static double[] alternate(Side a, Side b, int steps, int repeats) throws Exception {
    double sa = 0;
    double sb = 0;
    for (int r = 0; r < repeats; r++) {
      if (r % 2 == 0) {
        sa += repeat(a, steps);
        sb += repeat(b, steps);
      } else {
        sb += repeat(b, steps);
        sa += repeat(a, steps);
      }
    }
    return new double[] {sa / repeats, sb / repeats};
  }

  private static double repeat(Side side, int steps) throws Exception {
    long start = System.nanoTime();
    int sink = 0;
    for (int j = 0; j < steps; j++) {
      sink += side.run(j) == null ? 0 : 1;
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    if (sink < 0) {
      throw new IllegalStateException(); // keeps the work from being optimised away
    }
    return seconds;
  }

  /**
   * M codes per item from its index alone: the benchmark measures throughput, and any codes of the
   * right shape cost the model the same. Shifted by one, as ItemFeatures shifts real codes.
   */
  static int[][] codes(int items) {
    int[][] codes = new int[items][];
    codes[Vocabulary.UNKNOWN] = new int[NUM_CODEBOOKS];
    for (int item = 1; item < items; item++) {
      codes[item] = new int[NUM_CODEBOOKS];
      for (int m = 0; m < NUM_CODEBOOKS; m++) {
        long h = new java.util.SplittableRandom((long) item * NUM_CODEBOOKS + m).nextLong();
        codes[item][m] = 1 + (int) Long.remainderUnsigned(h, CODEBOOK_SIZE);
      }
    }
    return codes;
  }

  /** As the evaluation's default: one hash bucket per 16 items. */
  private static int buckets(int items) {
    return Math.max(16, items / 16);
  }

  private static int[] shuffled(int n, Random random) {
    int[] a = new int[n];
    for (int i = 0; i < n; i++) {
      a[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  private static long rate(int batch, int steps, double seconds) {
    return Math.round(batch * (double) steps / seconds);
  }

  /** Ours over raw as throughputs, from seconds: raw seconds over ours. */
  private static double ratio(double rawSeconds, double oursSeconds) {
    return Math.round(rawSeconds / oursSeconds * 1000) / 1000.0;
  }

  private static double round(double x) {
    return Math.round(x * 10) / 10.0;
  }
}
