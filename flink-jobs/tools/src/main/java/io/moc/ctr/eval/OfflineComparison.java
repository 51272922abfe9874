package io.moc.ctr.eval;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

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
   * Runs the comparison; the result goes into the local stack's report under {@code
   * offline_comparison}.
   *
   * @throws IllegalStateException when no snapshot was published before the test period
   */
  public Map<String, Object> run() throws Exception {
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

    Map<String, Object> out = new LinkedHashMap<>();
    out.put("valid_start_ms", periods.validStartMs());
    out.put("test_start_ms", periods.testStartMs());
    for (Split s : Split.values()) {
      out.put(s.name().toLowerCase(Locale.ROOT) + "_examples", batches.examples(s).size());
    }
    out.put("frozen_last_event_ms", seenUntil);
    out.put("codebook_version", frozen.codebookVersion);
    out.put("test_examples_without_codes", withoutCodes);

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
    Map<String, Object> frozenScores;
    try (CtrModel online = CtrModel.fromBytes(artifact.modelBytes())) {
      frozenScores = scores(trainer, online, batches, window);
    }
    frozenScores.put("model_version", frozen.version);
    frozenScores.put("examples_seen", frozen.examplesSeen);
    out.put("frozen", frozenScores);

    Map<String, Map<String, Object>> twins =
        twins(contract, trainer, batches, sameExamples, window);
    Map<String, Object> twinScores = twins.get("refit");
    out.put("offline_twin", twinScores);
    out.put("offline_twin_train_period_only", twins.get("early_stopped"));

    Map<String, Object> prequential = new LinkedHashMap<>();
    prequential.put("model_version", newest.version);
    prequential.put("window", model.windowSize());
    prequential.put("auc", newest.metrics().get("prequential_auc"));
    prequential.put("logloss", newest.metrics().get("prequential_logloss"));
    out.put("prequential", prequential);

    double frozenAuc = (Double) frozenScores.get("auc");
    double twinAuc = (Double) twinScores.get("auc_mean");
    out.put("frozen_minus_offline_auc", frozenAuc - twinAuc);
    console.printf(
        Locale.ROOT,
        "Offline comparison: test-period AUC frozen online %.4f, offline twin %.4f (mean; %+.4f);"
            + " prequential (last %d) %.4f%n",
        frozenAuc,
        twinAuc,
        frozenAuc - twinAuc,
        model.windowSize(),
        prequential.get("auc"));
    return out;
  }

  /**
   * The offline twin, {@link #TWIN_SEEDS} seeds, with the evaluation grid's id dropout: {@code
   * early_stopped} trains on the train period with early stopping on the validation period, as the
   * grid does; {@code refit} then trains a fresh model of the same seed, for that seed's best epoch
   * count, on what the frozen snapshot had seen (the train period and the validation period up to
   * its last event). Each with every seed's test scores, and their mean and standard deviation.
   */
  private Map<String, Map<String, Object>> twins(
      FeatureContract contract,
      CtrTrainer early,
      ContractBatches trainPeriod,
      ContractBatches sameExamples,
      int window) {
    CtrTrainer refit =
        new CtrTrainer(
            sameExamples, sameExamples.examples(Split.TRAIN), BATCH, 0, 0, 0, ID_DROPOUT);
    List<Map<String, Object>> earlyRuns = new ArrayList<>();
    List<Map<String, Object>> refitRuns = new ArrayList<>();
    for (int seed = 1; seed <= TWIN_SEEDS; seed++) {
      console.printf(
          Locale.ROOT, "Offline comparison: training the offline twin, seed %d ...%n", seed);
      CtrModelConfig config = model.model(contract).toBuilder().seed(seed).build();
      int epochs;
      try (CtrModel twin = CtrModel.create(config, contract.codebookVersion())) {
        CtrTrainer.Fit fit = early.fit(twin, seed, n -> {});
        epochs = fit.bestEpoch();
        try (CtrModel best = CtrModel.fromBytes(fit.best())) {
          Map<String, Object> run = scores(early, best, trainPeriod, window);
          run.put("seed", seed);
          run.put("valid_auc", fit.valid().auc());
          run.put("best_epoch", epochs);
          run.put("train_seconds", fit.seconds());
          earlyRuns.add(run);
        }
      }
      try (CtrModel twin = CtrModel.create(config, contract.codebookVersion())) {
        long start = System.nanoTime();
        refit.train(twin, seed, epochs);
        Map<String, Object> run = scores(refit, twin, sameExamples, window);
        run.put("seed", seed);
        run.put("epochs", epochs);
        run.put("train_seconds", (System.nanoTime() - start) / 1e9);
        refitRuns.add(run);
      }
    }
    Map<String, Map<String, Object>> out = new LinkedHashMap<>();
    out.put("early_stopped", summary(earlyRuns, trainPeriod));
    out.put("refit", summary(refitRuns, sameExamples));
    return out;
  }

  private static Map<String, Object> summary(
      List<Map<String, Object>> runs, ContractBatches batches) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id_dropout", ID_DROPOUT);
    out.put("seeds", runs.size());
    out.put("train_examples", batches.examples(Split.TRAIN).size());
    for (String key : List.of("auc", "cold_auc", "auc_last_window", "logloss")) {
      EvaluationGrid.stat(out, runs, key, key);
    }
    out.put("runs", runs);
    return out;
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
  private static Map<String, Object> scores(
      CtrTrainer trainer, CtrModel model, ContractBatches batches, int window) {
    CtrTrainer.Scores test = trainer.score(model, Split.TEST);
    int n = test.examples();
    float[] p = model.predict(batches.batch(Split.TEST, null, n - window, n));
    float[] labels = batches.examples(Split.TEST).labels();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("auc", test.auc());
    out.put("logloss", test.logloss());
    out.put("cold_auc", test.coldAuc());
    out.put("cold_examples", test.cold());
    out.put("auc_last_window", Auc.of(p, Arrays.copyOfRange(labels, n - window, n)));
    return out;
  }
}
