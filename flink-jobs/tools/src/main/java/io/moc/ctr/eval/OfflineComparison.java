package io.moc.ctr.eval;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import io.moc.avro.AvroBytes;
import io.moc.avro.ItemCodes;
import io.moc.ctr.data.CtrDataset;
import io.moc.ctr.data.Examples;
import io.moc.ctr.data.Split;
import io.moc.ctr.data.Vocabulary;
import io.moc.ctr.metrics.Auc;
import io.moc.ctr.model.CtrBatch;
import io.moc.ctr.model.CtrModel;
import io.moc.ctr.model.CtrModelConfig;
import io.moc.ctr.online.FeatureContract;
import io.moc.ctr.online.ModelArtifact;
import io.moc.ctr.online.ModelSnapshotEntry;
import io.moc.kafka.KafkaConnection;
import io.moc.kafka.TopicTail;
import io.moc.report.MeanStd;
import io.moc.serving.ArtifactOpener;
import io.moc.serving.CtrScorer;
import io.moc.serving.ModelArtifactReader;
import io.moc.source.Dataset;
import io.moc.source.DatasetReplay;
import io.moc.source.SourceEvent;
import io.moc.training.OnlineModelSettings;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

/**
 * The streaming trainer against offline training on the same period, after a dataset replay through
 * the local stack ({@code bin/moc local --data DIR --drain --compare-offline}).
 *
 * <p>The replay's impressions are split into periods exactly as {@code bin/moc evaluate} splits the
 * dataset (80/10/10 by time). Three models are scored on the test period's impressions:
 *
 * <ul>
 *   <li><b>frozen</b>: the last snapshot the training job published before any test-period
 *       impression reached it (by the snapshot's {@code last_event_time}): trained online on the
 *       train and validation periods, never updated on the test period;
 *   <li><b>offline twin</b>: the same network, with the same codes (the frozen snapshot's codebook
 *       version) on the same impressions (the replay's own sampled negatives), trained offline: as
 *       the evaluation grid trains (epochs over the train period, early stopping on the validation
 *       period, id dropout), and then refitted with that epoch count on exactly the impressions the
 *       frozen snapshot had seen, {@link #TWIN_SEEDS} seeds;
 *   <li><b>prequential</b>: the job's own figure in its newest snapshot, each example scored by the
 *       model just before it trained on it, over the last {@code moc.training.window} examples,
 *       which lie in the test period.
 * </ul>
 *
 * <p>Frozen against offline twin is the like-for-like comparison: same features, examples and
 * period, and only the training differs (one online pass with periodic replay against several
 * epochs). Prequential against either is not: the online model has trained on the test period up to
 * each example it scores, which neither of the others may.
 */
public final class OfflineComparison {

  /** Batch size, epochs and patience of the offline twin, as the evaluation grid's defaults. */
  static final int BATCH = 1024;

  static final int MAX_EPOCHS = 8;

  static final int PATIENCE = 1;

  /** The evaluation grid's default share of training examples whose ids are hidden. */
  static final double ID_DROPOUT = 0.1;

  /** Seeds of the offline twin: its initialisation and shuffles. */
  static final int TWIN_SEEDS = 3;

  /**
   * The replay's impressions by period as model rows of the online model's feature contract: the
   * item's codes of one codebook version, hashed ids.
   */
  private record ContractBatches(
      Map<Split, Examples> examples, Map<Split, int[][]> rows, boolean sampledNegatives)
      implements SplitBatches {

    @Override
    public Examples examples(Split split) {
      return examples.get(split);
    }

    @Override
    public CtrBatch batch(
        Split split, int[] positions, int from, int to, Random random, double idDropout) {
      int[][] all = rows.get(split);
      float[] labels = examples.get(split).labels();
      int[][] batch = new int[to - from][];
      float[] batchLabels = new float[to - from];
      for (int r = from; r < to; r++) {
        int e = positions == null ? r : positions[r];
        batch[r - from] = all[e];
        if (random != null && random.nextDouble() < idDropout) {
          // Column 0 is the user, 1 the item; index 0 of either means no id.
          batch[r - from] = all[e].clone();
          batch[r - from][0] = 0;
          batch[r - from][1] = 0;
        }
        batchLabels[r - from] = labels[e];
      }
      return new CtrBatch(batch, null, batchLabels);
    }
  }

  /**
   * What {@link #run()} found; it goes into the local stack's report under {@code
   * offline_comparison}.
   *
   * @param frozenLastEventMs the last event the frozen snapshot had trained on
   * @param offlineTwin refitted on exactly what the frozen snapshot had seen
   * @param offlineTwinTrainPeriodOnly trained on the train period, early-stopped on validation
   */
  public record Report(
      long validStartMs,
      long testStartMs,
      int trainExamples,
      int validExamples,
      int testExamples,
      long frozenLastEventMs,
      long codebookVersion,
      int testExamplesWithoutCodes,
      Frozen frozen,
      Twin<RefitRun> offlineTwin,
      Twin<EarlyStoppedRun> offlineTwinTrainPeriodOnly,
      Prequential prequential,
      double frozenMinusOfflineAuc) {}

  /** One model's scores on the test period; {@code aucLastWindow} over its last examples. */
  public record Scores(
      double auc, double logloss, double coldAuc, int coldExamples, double aucLastWindow) {}

  /** The frozen online snapshot's scores. */
  public record Frozen(@JsonUnwrapped Scores scores, long modelVersion, long examplesSeen) {}

  /** One seed of the twin trained as the evaluation grid trains. */
  public record EarlyStoppedRun(
      @JsonUnwrapped Scores scores,
      int seed,
      double validAuc,
      int bestEpoch,
      double trainSeconds) {}

  /** One seed of the twin refitted for its early-stopped epoch count. */
  public record RefitRun(@JsonUnwrapped Scores scores, int seed, int epochs, double trainSeconds) {}

  /** The offline twin over its seeds: each seed's run, and their mean and standard deviation. */
  public record Twin<R>(
      double idDropout,
      int seeds,
      int trainExamples,
      @JsonUnwrapped(prefix = "auc_") MeanStd auc,
      @JsonUnwrapped(prefix = "cold_auc_") MeanStd coldAuc,
      @JsonUnwrapped(prefix = "auc_last_window_") MeanStd aucLastWindow,
      @JsonUnwrapped(prefix = "logloss_") MeanStd logloss,
      List<R> runs) {}

  /** The job's own figure in its newest snapshot, over its last {@code window} examples. */
  public record Prequential(long modelVersion, int window, Double auc, Double logloss) {}

  /** One period's impressions: the examples (labels, cold flags) and their ids as strings. */
  private record Period(Examples examples, String[] users, String[] items) {}

  private final Path data;
  private final long seed;
  private final KafkaConnection bootstrap;
  private final String ctrModelsTopic;
  private final String itemCodesTopic;
  private final OnlineModelSettings model;
  private final ArtifactOpener opener;
  private final PrintStream console;

  /**
   * @param seed the replay's seed, so that the impressions (and sampled negatives) are the ones the
   *     jobs saw
   */
  public OfflineComparison(
      Path data,
      long seed,
      KafkaConnection bootstrap,
      String ctrModelsTopic,
      String itemCodesTopic,
      OnlineModelSettings model,
      ArtifactOpener opener,
      PrintStream console) {
    this.data = data;
    this.seed = seed;
    this.bootstrap = bootstrap;
    this.ctrModelsTopic = ctrModelsTopic;
    this.itemCodesTopic = itemCodesTopic;
    this.model = model;
    this.opener = opener;
    this.console = console;
  }

  /**
   * Runs the comparison.
   *
   * @throws IllegalStateException when no snapshot was published before the test period
   */
  public Report run() throws Exception {
    Dataset dataset = Dataset.read(data);
    CtrDataset.SplitTimes periods = CtrDataset.splitTimes(dataset.interactions());
    List<ModelSnapshotEntry> snapshots = CtrScorer.snapshots(bootstrap, ctrModelsTopic);
    ModelSnapshotEntry frozen = null;
    for (ModelSnapshotEntry s : snapshots) {
      Double last = s.metrics().get("last_event_time");
      if (last != null && last < periods.testStartMs()) {
        frozen = s;
      }
    }
    if (frozen == null) {
      throw new IllegalStateException(
          "no model snapshot on " + ctrModelsTopic + " was trained before the test period only");
    }
    ModelSnapshotEntry newest = snapshots.get(snapshots.size() - 1);
    Map<String, int[]> codes = codesOf(frozen.codebookVersion);

    ModelArtifactReader artifacts = new ModelArtifactReader(opener);
    snapshots.forEach(artifacts::remember);
    ModelArtifact artifact = ModelArtifact.fromBytes(artifacts.read(frozen));
    FeatureContract contract = artifact.contract();
    boolean sampledNegatives = dataset.format() == Dataset.Format.AMAZON_BEAUTY;
    List<SourceEvent.Impression> impressions = impressions(dataset);
    Map<Split, Period> split = byPeriod(impressions, periods, periods.validStartMs() - 1);
    ContractBatches batches = batches(split, contract, codes, sampledNegatives);
    // What the frozen snapshot had trained on: the train period and the validation period up to
    // its last event. The twin is refitted on exactly that.
    long seenUntil = frozen.metrics().get("last_event_time").longValue();
    ContractBatches sameExamples =
        batches(byPeriod(impressions, periods, seenUntil), contract, codes, sampledNegatives);
    int withoutCodes = 0;
    for (String item : split.get(Split.TEST).items()) {
      withoutCodes += codes.containsKey(item) ? 0 : 1;
    }
    Examples test = batches.examples(Split.TEST);
    int window = Math.min(model.windowSize(), test.size());

    // As the evaluation grid trains: the train period, early stopping on the validation period.
    CtrTrainer trainer =
        new CtrTrainer(
            batches, batches.examples(Split.TRAIN), BATCH, MAX_EPOCHS, PATIENCE, 0, ID_DROPOUT);
    console.println(
        "Offline comparison: scoring model version "
            + frozen.version
            + " (trained up to the test period) on "
            + test.size()
            + " test-period impressions ...");
    Frozen frozenScores;
    try (CtrModel online = CtrModel.fromBytes(artifact.modelBytes())) {
      frozenScores =
          new Frozen(scores(trainer, online, batches, window), frozen.version, frozen.examplesSeen);
    }
    List<EarlyStoppedRun> earlyRuns = new ArrayList<>();
    List<RefitRun> refitRuns = new ArrayList<>();
    twins(contract, trainer, batches, sameExamples, window, earlyRuns, refitRuns);
    Twin<RefitRun> twin = twin(refitRuns, RefitRun::scores, sameExamples);
    Prequential prequential =
        new Prequential(
            newest.version,
            model.windowSize(),
            newest.metrics().get("prequential_auc"),
            newest.metrics().get("prequential_logloss"));
    double frozenAuc = frozenScores.scores().auc();
    double twinAuc = twin.auc().meanOrNaN();
    console.printf(
        Locale.ROOT,
        "Offline comparison: test-period AUC frozen online %.4f, offline twin %.4f (mean; %+.4f);"
            + " prequential (last %d) %.4f%n",
        frozenAuc,
        twinAuc,
        frozenAuc - twinAuc,
        model.windowSize(),
        prequential.auc());
    return new Report(
        periods.validStartMs(),
        periods.testStartMs(),
        batches.examples(Split.TRAIN).size(),
        batches.examples(Split.VALID).size(),
        test.size(),
        seenUntil,
        frozen.codebookVersion,
        withoutCodes,
        frozenScores,
        twin,
        twin(earlyRuns, EarlyStoppedRun::scores, batches),
        prequential,
        frozenAuc - twinAuc);
  }

  /**
   * The offline twin, {@link #TWIN_SEEDS} seeds, with the evaluation grid's id dropout: {@code
   * early_stopped} trains on the train period with early stopping on the validation period, as the
   * grid does; {@code refit} then trains a fresh model of the same seed, for that seed's best epoch
   * count, on what the frozen snapshot had seen (the train period and the validation period up to
   * its last event). Each seed's runs are added to {@code earlyRuns} and {@code refitRuns}.
   */
  private void twins(
      FeatureContract contract,
      CtrTrainer early,
      ContractBatches trainPeriod,
      ContractBatches sameExamples,
      int window,
      List<EarlyStoppedRun> earlyRuns,
      List<RefitRun> refitRuns) {
    CtrTrainer refit =
        new CtrTrainer(
            sameExamples, sameExamples.examples(Split.TRAIN), BATCH, 0, 0, 0, ID_DROPOUT);
    for (int seed = 1; seed <= TWIN_SEEDS; seed++) {
      console.printf(
          Locale.ROOT, "Offline comparison: training the offline twin, seed %d ...%n", seed);
      CtrModelConfig config = model.model(contract).toBuilder().seed(seed).build();
      int epochs;
      try (CtrModel twin = CtrModel.create(config, contract.codebookVersion())) {
        CtrTrainer.Fit fit = early.fit(twin, seed, n -> {});
        epochs = fit.bestEpoch();
        try (CtrModel best = CtrModel.fromBytes(fit.best())) {
          earlyRuns.add(
              new EarlyStoppedRun(
                  scores(early, best, trainPeriod, window),
                  seed,
                  fit.valid().auc(),
                  epochs,
                  fit.seconds()));
        }
      }
      try (CtrModel twin = CtrModel.create(config, contract.codebookVersion())) {
        long start = System.nanoTime();
        refit.train(twin, seed, epochs);
        Scores scores = scores(refit, twin, sameExamples, window);
        refitRuns.add(new RefitRun(scores, seed, epochs, (System.nanoTime() - start) / 1e9));
      }
    }
  }

  private static <R> Twin<R> twin(
      List<R> runs, Function<R, Scores> scores, ContractBatches batches) {
    List<Scores> s = runs.stream().map(scores).toList();
    return new Twin<>(
        ID_DROPOUT,
        runs.size(),
        batches.examples(Split.TRAIN).size(),
        EvaluationGrid.over(s, Scores::auc),
        EvaluationGrid.over(s, Scores::coldAuc),
        EvaluationGrid.over(s, Scores::aucLastWindow),
        EvaluationGrid.over(s, Scores::logloss),
        runs);
  }

  private static ContractBatches batches(
      Map<Split, Period> split,
      FeatureContract contract,
      Map<String, int[]> codes,
      boolean sampledNegatives) {
    Map<Split, Examples> examples = new EnumMap<>(Split.class);
    Map<Split, int[][]> rows = new EnumMap<>(Split.class);
    split.forEach(
        (period, p) -> {
          examples.put(period, p.examples());
          rows.put(period, rows(contract, p, codes));
        });
    return new ContractBatches(examples, rows, sampledNegatives);
  }

  /** The replay's impressions, with the seed the jobs were fed with. */
  private List<SourceEvent.Impression> impressions(Dataset dataset) {
    List<SourceEvent.Impression> impressions = new ArrayList<>();
    DatasetReplay replay = new DatasetReplay(data, dataset, seed);
    while (replay.hasNext()) {
      if (replay.next() instanceof SourceEvent.Impression i) {
        impressions.add(i);
      }
    }
    return impressions;
  }

  /**
   * The impressions by period; validation-period impressions up to {@code trainUntilMs} count as
   * training ones. Cold-start items are those without an impression in the train period proper,
   * whatever the cut.
   */
  private static Map<Split, Period> byPeriod(
      List<SourceEvent.Impression> impressions, CtrDataset.SplitTimes periods, long trainUntilMs) {
    Vocabulary users = new Vocabulary();
    Vocabulary items = new Vocabulary();
    Map<Split, Examples.Builder> builders = new EnumMap<>(Split.class);
    for (Split s : Split.values()) {
      builders.put(s, new Examples.Builder());
    }
    BitSet trainItems = new BitSet();
    for (SourceEvent.Impression i : impressions) {
      Split period = periods.of(i.eventTimeMs());
      int item = items.add(i.impression().getItemId());
      Split as = period == Split.VALID && i.eventTimeMs() <= trainUntilMs ? Split.TRAIN : period;
      builders
          .get(as)
          .add(
              users.add(i.impression().getUserId()),
              item,
              i.eventTimeMs(),
              i.impression().getClicked());
      if (period == Split.TRAIN) {
        trainItems.set(item);
      }
    }
    Map<Split, Period> split = new EnumMap<>(Split.class);
    int[] none = new int[items.size()];
    for (Split s : Split.values()) {
      Examples ex = builders.get(s).build(trainItems, none, none);
      String[] u = new String[ex.size()];
      String[] it = new String[ex.size()];
      for (int e = 0; e < ex.size(); e++) {
        u[e] = users.value(ex.user(e));
        it[e] = items.value(ex.item(e));
      }
      split.put(s, new Period(ex, u, it));
    }
    return split;
  }

  /** Each item's latest codes of {@code version} on the item-codes topic. */
  private Map<String, int[]> codesOf(long version) {
    Map<String, int[]> codes = new HashMap<>();
    try (TopicTail tail = new TopicTail(bootstrap, itemCodesTopic)) {
      tail.readToEnd(
          record -> {
            if (record.key() == null || record.value() == null) {
              return;
            }
            ItemCodes c;
            try {
              c = AvroBytes.decode(ItemCodes.class, record.value());
            } catch (UncheckedIOException e) {
              return; // the jobs dead-lettered it; nothing to score with
            }
            String key = new String(record.key(), StandardCharsets.UTF_8);
            if (c.getCodebookVersion() == version && key.equals(c.getItemId())) {
              codes.put(key, c.getCodes().stream().mapToInt(Integer::intValue).toArray());
            }
          });
    }
    return codes;
  }

  /**
   * An item without codes of the version (published after the version was replaced) gets the "no
   * codes" input, in both models alike.
   */
  private static int[][] rows(FeatureContract contract, Period period, Map<String, int[]> codes) {
    int[][] rows = new int[period.users().length][];
    for (int e = 0; e < rows.length; e++) {
      rows[e] = contract.row(period.users()[e], period.items()[e], codes.get(period.items()[e]));
    }
    return rows;
  }

  /** Test-period AUC, logloss and cold-start AUC; AUC over its last {@code window} examples. */
  private static Scores scores(
      CtrTrainer trainer, CtrModel model, ContractBatches batches, int window) {
    CtrTrainer.Scores test = trainer.score(model, Split.TEST);
    int n = test.examples();
    float[] p = model.predict(batches.batch(Split.TEST, null, n - window, n));
    float[] labels = batches.examples(Split.TEST).labels();
    return new Scores(
        test.auc(),
        test.logloss(),
        test.coldAuc(),
        test.cold(),
        Auc.of(p, Arrays.copyOfRange(labels, n - window, n)));
  }
}
