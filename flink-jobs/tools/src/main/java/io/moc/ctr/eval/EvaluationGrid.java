package io.moc.ctr.eval;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.databind.JsonNode;
import io.moc.codebook.CodebookTrainer;
import io.moc.codebook.methods.CodebookMethods;
import io.moc.codebook.vq.VqVaeTrainer;
import io.moc.ctr.data.ColdQueries;
import io.moc.ctr.data.CtrDataset;
import io.moc.ctr.data.Split;
import io.moc.ctr.model.CtrModel;
import io.moc.ctr.model.CtrModelConfig;
import io.moc.ctr.model.CtrModelConfig.Backbone;
import io.moc.embed.TextModel;
import io.moc.report.JsonReport;
import io.moc.report.MeanStd;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * Runs the grid backbone × item representation × scale × seed on one dataset: every cell trains a
 * CTR model with early stopping on validation AUC and scores the best epoch on the test split,
 * overall and on cold-start items. Finished cells are appended to a JSON-lines file as they finish,
 * so an interrupted run goes on where it stopped; cells recorded under other settings are not
 * reused.
 */
public final class EvaluationGrid {

  /**
   * @param trainLimit train on the newest this many training examples only (0: all)
   * @param idDropout probability that a training example's user and item ids are hidden, so the
   *     model learns to score items it has no id for
   * @param hashBuckets hash buckets of the unified representation's item id (0: one per {@value
   *     #AUTO_ITEMS_PER_BUCKET} items)
   * @param dataSeed seed of the dataset's negative sampling, the same for every cell so that cells
   *     compare on identical examples
   * @param textModel the model that embeds item texts, for codes and the adapter
   */
  public record Settings(
      Path data,
      List<Backbone> backbones,
      List<EvalMethod> methods,
      List<Integer> scales,
      int seeds,
      int codebookSize,
      int embeddingDim,
      List<Integer> mlpSizes,
      int batchSize,
      int maxEpochs,
      int patience,
      float learningRate,
      int trainLimit,
      double idDropout,
      int hashBuckets,
      long dataSeed,
      TextModel textModel,
      Path cacheDir) {

    /** The grid's axes and settings in one line, for reports. */
    public String describe() {
      return String.format(
          "backbones %s; methods %s; scales %s; %d seeds; %s",
          backbones.stream().map(b -> b.name().toLowerCase()).toList(),
          methods.stream().map(EvalMethod::name).toList(),
          scales,
          seeds,
          fingerprint());
    }

    /** What makes two cells comparable: everything but the grid's axes. */
    String fingerprint() {
      // The default model is left out, so that cells recorded before there was a choice still
      // match.
      String text =
          textModel == TextModel.ALL_MINILM_L6_V2_Q ? "" : " text=" + textModel.modelName();
      return String.format(
              "K=%d D=%d mlp=%s batch=%d epochs=%d patience=%d lr=%s limit=%d idDropout=%s buckets=%d"
                  + " dataSeed=%d",
              codebookSize,
              embeddingDim,
              mlpSizes,
              batchSize,
              maxEpochs,
              patience,
              learningRate,
              trainLimit,
              idDropout,
              hashBuckets,
              dataSeed)
          + text;
    }
  }

  /**
   * One trained and scored cell: a line of the cells file, and of the report's {@code cells}.
   *
   * @param settings the {@link Settings#fingerprint()} it ran under
   * @param coldPairAuc AUC of cold positives against cold negatives only, what popularity cannot
   *     win; this and the other cold-vs-cold figures are null without sampled negatives
   * @param codebookSeconds null for a method without codes, like the collision rate
   */
  public record Cell(
      String dataset,
      String backbone,
      String method,
      int scale,
      int seed,
      String settings,
      double validAuc,
      double testAuc,
      double testLogloss,
      double coldAuc,
      int coldExamples,
      Double coldPairAuc,
      @JsonProperty("cold_recall_at_10") Double coldRecallAt10,
      @JsonProperty("cold_ndcg_at_10") Double coldNdcgAt10,
      Double coldQueries,
      Double coldCandidatesMean,
      Double validColdPairAuc,
      @JsonProperty("valid_cold_recall_at_10") Double validColdRecallAt10,
      int bestEpoch,
      int epochs,
      double trainSeconds,
      double examplesPerS,
      long parameters,
      long embeddingRows,
      @JsonInclude(JsonInclude.Include.NON_NULL) Double codebookSeconds,
      @JsonInclude(JsonInclude.Include.NON_NULL) Double codeCollisionRate) {

    /** This cell with the figures of the codes it read. */
    Cell withCodes(double codebookSeconds, double codeCollisionRate) {
      return new Cell(
          dataset,
          backbone,
          method,
          scale,
          seed,
          settings,
          validAuc,
          testAuc,
          testLogloss,
          coldAuc,
          coldExamples,
          coldPairAuc,
          coldRecallAt10,
          coldNdcgAt10,
          coldQueries,
          coldCandidatesMean,
          validColdPairAuc,
          validColdRecallAt10,
          bestEpoch,
          epochs,
          trainSeconds,
          examplesPerS,
          parameters,
          embeddingRows,
          codebookSeconds,
          codeCollisionRate);
    }

    /** Which cells of a grid it is: the same key is the same cell, run once. */
    String key() {
      return String.join(
          "|", dataset, backbone, method, String.valueOf(scale), String.valueOf(seed), settings);
    }

    /** What its seeds are aggregated over: every axis but the seed. */
    String group() {
      return String.join("|", dataset, backbone, method, String.valueOf(scale));
    }
  }

  /**
   * A cell's place in the grid and the settings it runs under, before it has any figure.
   *
   * @param settings the {@link Settings#fingerprint()}
   */
  private record Place(
      String dataset, Backbone backbone, EvalMethod method, int scale, int seed, String settings) {

    String key() {
      return String.join(
          "|",
          dataset,
          backbone.name().toLowerCase(),
          method.name(),
          String.valueOf(scale),
          String.valueOf(seed),
          settings);
    }
  }

  /**
   * Mean and sample standard deviation over seeds of one dataset, backbone, method and scale; a
   * figure no seed measured is null, not 0.
   *
   * @param trainTime seconds of training, under {@code train_seconds_mean} and {@code _std}
   * @param meanTrainSeconds its mean again, under the key reports had before there was a std
   * @param codeCollisionRate null for a method without codes
   */
  public record Row(
      String dataset,
      String backbone,
      String method,
      int scale,
      int seeds,
      @JsonUnwrapped(prefix = "auc_") MeanStd auc,
      @JsonUnwrapped(prefix = "logloss_") MeanStd logloss,
      @JsonUnwrapped(prefix = "cold_auc_") MeanStd coldAuc,
      @JsonUnwrapped(prefix = "cold_pair_auc_") MeanStd coldPairAuc,
      @JsonUnwrapped(prefix = "cold_recall_at_10_") MeanStd coldRecallAt10,
      @JsonUnwrapped(prefix = "cold_ndcg_at_10_") MeanStd coldNdcgAt10,
      @JsonUnwrapped(prefix = "valid_cold_pair_auc_") MeanStd validColdPairAuc,
      @JsonUnwrapped(prefix = "valid_auc_") MeanStd validAuc,
      @JsonUnwrapped(prefix = "train_seconds_") MeanStd trainTime,
      @JsonProperty("train_seconds") Double meanTrainSeconds,
      @JsonUnwrapped(prefix = "examples_per_s_") MeanStd examplesPerS,
      long embeddingRows,
      long parameters,
      @JsonUnwrapped(prefix = "code_collision_rate_") MeanStd codeCollisionRate) {}

  /** Items per hash bucket of the unified representation when no bucket count is given. */
  static final int AUTO_ITEMS_PER_BUCKET = 16;

  private final Settings settings;
  private final Path cellsFile;
  private final PrintStream console;

  public EvaluationGrid(Settings settings, Path cellsFile, PrintStream console) {
    this.settings = settings;
    this.cellsFile = cellsFile;
    this.console = console;
  }

  /**
   * The cells already in the cells file under these settings, without running any: for a report
   * while the grid is still running elsewhere.
   */
  public List<Cell> finished() throws IOException {
    return previousCells();
  }

  /** Runs every cell not yet in the cells file; returns every cell of this grid, old and new. */
  public List<Cell> run() throws Exception {
    List<Cell> cells = new ArrayList<>(previousCells());
    Set<String> done = new HashSet<>();
    cells.forEach(c -> done.add(c.key()));

    CtrDataset data = CtrDataset.load(settings.data(), settings.dataSeed());
    String dataset = settings.data().getFileName().toString();
    console.println(data.describe());
    float[][] embeddings =
        ItemFeatures.embeddings(
            data,
            settings.textModel(),
            settings.cacheDir(),
            n -> progress("embedding items", n, data.items().size() - 1));
    console.println();

    // Scales run in the order given, so a long grid can put the scale that matters most first;
    // methods without a scale run once, at 1x, with the first.
    List<Integer> scales = settings.scales();
    int total = 0;
    for (int scale : scales) {
      for (EvalMethod method : settings.methods()) {
        if (runs(method, scale)) {
          total += settings.seeds() * settings.backbones().size();
        }
      }
    }
    int index = 0;
    for (int scale : scales) {
      for (int seed = 1; seed <= settings.seeds(); seed++) {
        // Codes are made once per method, scale and seed, and shared by every model reading them.
        Map<String, ItemFeatures.Coded> codesByMethod = new LinkedHashMap<>();
        Map<String, Double> codeSeconds = new LinkedHashMap<>();
        for (EvalMethod method : settings.methods()) {
          if (!runs(method, scale)) {
            continue;
          }
          for (Backbone backbone : settings.backbones()) {
            index++;
            Place place =
                new Place(
                    dataset,
                    backbone,
                    method,
                    method.scaled() ? scale : 1,
                    seed,
                    settings.fingerprint());
            if (done.contains(place.key())) {
              continue;
            }
            String codesKey =
                method.codes()
                    + (method.coClicks() ? "+co-clicks" + method.coClickWeight() : "")
                    + "@"
                    + method.codebooks(scale);
            if (method.codes() != null && !codesByMethod.containsKey(codesKey)) {
              long start = System.nanoTime();
              CodebookTrainer trainer =
                  CodebookMethods.trainer(
                      method.codes(),
                      method.codebooks(scale),
                      settings.codebookSize(),
                      32,
                      25,
                      seed);
              codesByMethod.put(
                  codesKey,
                  method.coClicks()
                      ? ItemFeatures.coClickCoded(
                          data, embeddings, coClickTrainer(trainer, method.coClickWeight()))
                      : ItemFeatures.coded(data, embeddings, trainer));
              codeSeconds.put(codesKey, (System.nanoTime() - start) / 1e9);
            }
            ItemFeatures.Coded coded = method.codes() == null ? null : codesByMethod.get(codesKey);
            int[][] codes = coded == null ? null : coded.codes();
            String label =
                String.format(
                    "[%d/%d] %s %s %dx seed %d",
                    index, total, backbone, method.name(), method.scaled() ? scale : 1, seed);
            float[][] dense =
                method.readsText() ? embeddings : method.denseFromCodes() ? coded.vectors() : null;
            float[][][] codeRows =
                method.initFromCodebook()
                    ? codeRows(coded, settings.codebookSize() + 1, settings.embeddingDim(), seed)
                    : null;
            Cell cell = runCell(place, data, dense, codes, codeRows, scale, label);
            if (method.codes() != null) {
              cell = cell.withCodes(codeSeconds.get(codesKey), collisionRate(codes, data));
            }
            append(cell);
            cells.add(cell);
          }
        }
      }
    }
    return cells;
  }

  /** {@code trainer}, a VQ-VAE's, with the co-click term weighed in. */
  private static VqVaeTrainer coClickTrainer(CodebookTrainer trainer, float weight) {
    VqVaeTrainer vq = (VqVaeTrainer) trainer;
    return VqVaeTrainer.create(
        vq.method(), vq.config().withCoClicks(weight, vq.config().coClickTemperature()));
  }

  /** Whether the method has cells in the pass over {@code scale}. */
  private boolean runs(EvalMethod method, int scale) {
    return method.scaled() ? method.runsAt(scale) : scale == settings.scales().get(0);
  }

  /**
   * @param dense the dense input of an ADAPTER (text embeddings, or the chosen code vectors); null
   *     for representations without one
   */
  private Cell runCell(
      Place place,
      CtrDataset data,
      float[][] dense,
      int[][] codes,
      float[][][] codeRows,
      int scale,
      String label) {
    EvalMethod method = place.method();
    int seed = place.seed();
    int buckets =
        settings.hashBuckets() > 0
            ? settings.hashBuckets()
            : Math.max(16, data.items().size() / AUTO_ITEMS_PER_BUCKET);
    CtrFeatures features = new CtrFeatures(data, codes, dense, buckets);
    CtrModelConfig.Builder builder =
        features
            .fields(CtrModelConfig.builder(), settings.codebookSize())
            .embeddingDim(settings.embeddingDim())
            .mlpSizes(settings.mlpSizes().stream().mapToInt(Integer::intValue).toArray())
            .backbone(place.backbone())
            .representation(method.representation())
            .fusion(method.fusion())
            .learningRate(settings.learningRate())
            .seed(seed);
    if (method.representation() == CtrModelConfig.ItemRepresentation.MULTI_EMBEDDING) {
      builder.embeddingSets(scale);
    }
    CtrTrainer trainer =
        new CtrTrainer(
            features,
            data.train(),
            settings.batchSize(),
            settings.maxEpochs(),
            settings.patience(),
            settings.trainLimit(),
            settings.idDropout());
    int perEpoch =
        settings.trainLimit() > 0
            ? Math.min(settings.trainLimit(), data.train().size())
            : data.train().size();
    CtrTrainer.Fit fit;
    long parameters;
    long rows;
    try (CtrModel model = initialised(CtrModel.create(builder.build(), 0), codeRows)) {
      parameters = model.parameterCount();
      rows = model.totalEmbeddingRows();
      fit = trainer.fit(model, seed, n -> progress(label, n, perEpoch));
    }
    CtrTrainer.Scores test;
    ColdQueries.Metrics coldTest;
    ColdQueries.Metrics coldValid;
    try (CtrModel best = CtrModel.fromBytes(fit.best())) {
      test = trainer.score(best, Split.TEST);
      coldTest = trainer.coldVsCold(best, Split.TEST);
      coldValid = trainer.coldVsCold(best, Split.VALID);
    }
    console.printf(
        "%n  valid AUC %.4f (epoch %d of %d), test AUC %.4f, cold AUC %.4f, %.0f s%n",
        fit.valid().auc(),
        fit.bestEpoch(),
        fit.epochs(),
        test.auc(),
        test.coldAuc(),
        fit.seconds());
    // Cold against cold only: what popularity cannot win (null without sampled negatives).
    boolean cold = coldTest != null;
    return new Cell(
        place.dataset(),
        place.backbone().name().toLowerCase(),
        method.name(),
        place.scale(),
        seed,
        place.settings(),
        fit.valid().auc(),
        test.auc(),
        test.logloss(),
        test.coldAuc(),
        test.cold(),
        cold ? measured(coldTest.pairAuc()) : null,
        cold ? measured(coldTest.recallAt10()) : null,
        cold ? measured(coldTest.ndcgAt10()) : null,
        cold ? (double) coldTest.queries() : null,
        cold ? measured(coldTest.meanCandidates()) : null,
        coldValid != null ? measured(coldValid.pairAuc()) : null,
        coldValid != null ? measured(coldValid.recallAt10()) : null,
        fit.bestEpoch(),
        fit.epochs(),
        fit.seconds(),
        fit.examplesTrained() / fit.seconds(),
        parameters,
        rows,
        null,
        null);
  }

  /** {@code model} with its code rows set from {@code codeRows} (closing it), or itself. */
  private static CtrModel initialised(CtrModel model, float[][][] codeRows) {
    if (codeRows == null) {
      return model;
    }
    try (model) {
      return model.withCodeRows(codeRows);
    }
  }

  /**
   * Per code field, per code index (of {@code vocabulary}: K + 1, the unknown code first), the
   * code's vector (from any item that chose it) projected to {@code width} by a fixed Gaussian
   * matrix: nearby codes get nearby rows. Codes no item chose keep their random rows.
   */
  static float[][][] codeRows(ItemFeatures.Coded coded, int vocabulary, int width, long seed) {
    int m = coded.codes()[1].length;
    int d = coded.vectors()[1].length / m;
    java.util.Random random = new java.util.Random(seed * 7919 + width);
    float[][] projection = new float[d][width];
    for (float[] row : projection) {
      for (int j = 0; j < width; j++) {
        row[j] = (float) (random.nextGaussian() / Math.sqrt(width));
      }
    }
    float[][][] rows = new float[m][][];
    for (int field = 0; field < m; field++) {
      rows[field] = new float[vocabulary][];
    }
    for (int item = 1; item < coded.codes().length; item++) {
      for (int field = 0; field < m; field++) {
        int code = coded.codes()[item][field];
        if (rows[field][code] != null) {
          continue;
        }
        float[] row = new float[width];
        for (int i = 0; i < d; i++) {
          float x = coded.vectors()[item][field * d + i];
          for (int j = 0; j < width; j++) {
            row[j] += x * projection[i][j];
          }
        }
        rows[field][code] = row;
      }
    }
    return rows;
  }

  /** A figure, or null where it could not be measured (NaN). */
  private static Double measured(double value) {
    return Double.isNaN(value) ? null : value;
  }

  private List<Cell> previousCells() throws IOException {
    if (!Files.isRegularFile(cellsFile)) {
      return List.of();
    }
    List<Cell> cells = new ArrayList<>();
    for (String line : Files.readAllLines(cellsFile, StandardCharsets.UTF_8)) {
      if (line.isBlank()) {
        continue;
      }
      JsonNode json = JsonReport.tree(line);
      // Cells from before the cold-vs-cold slice lack it (a null is a measured "none"): run again.
      if (settings.fingerprint().equals(json.path("settings").asText())
          && json.has("cold_pair_auc")) {
        cells.add(JsonReport.read(json, Cell.class));
      }
    }
    if (!cells.isEmpty()) {
      console.printf("Resuming: %d cells already done in %s%n", cells.size(), cellsFile);
    }
    return cells;
  }

  private void append(Cell cell) throws IOException {
    if (cellsFile.getParent() != null) {
      Files.createDirectories(cellsFile.getParent());
    }
    Files.writeString(
        cellsFile,
        JsonReport.line(cell) + "\n",
        StandardCharsets.UTF_8,
        StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
  }

  /** Share of items seen in training whose whole code tuple another such item has too. */
  static double collisionRate(int[][] codes, CtrDataset data) {
    Map<String, Integer> tuples = new HashMap<>();
    int n = 0;
    for (int item = 1; item < codes.length; item++) {
      if (data.inTrain(item)) {
        tuples.merge(Arrays.toString(codes[item]), 1, Integer::sum);
        n++;
      }
    }
    long colliding = tuples.values().stream().filter(c -> c > 1).mapToLong(c -> c).sum();
    return n == 0 ? 0 : (double) colliding / n;
  }

  private void progress(String what, int done, int total) {
    int width = 30;
    int filled = total == 0 ? width : (int) Math.min(width, (long) width * done / total);
    console.printf(
        "\r%s [%s%s] %d/%d", what, "#".repeat(filled), " ".repeat(width - filled), done, total);
    console.flush();
  }

  /** Mean and sample standard deviation over seeds, per dataset, backbone, method and scale. */
  public static List<Row> rows(List<Cell> cells) {
    Map<String, List<Cell>> groups = new LinkedHashMap<>();
    for (Cell c : cells) {
      groups.computeIfAbsent(c.group(), g -> new ArrayList<>()).add(c);
    }
    List<Row> rows = new ArrayList<>();
    for (List<Cell> g : groups.values()) {
      Cell first = g.get(0);
      MeanStd trainSeconds = over(g, Cell::trainSeconds);
      rows.add(
          new Row(
              first.dataset(),
              first.backbone(),
              first.method(),
              first.scale(),
              g.size(),
              over(g, Cell::testAuc),
              over(g, Cell::testLogloss),
              over(g, Cell::coldAuc),
              over(g, Cell::coldPairAuc),
              over(g, Cell::coldRecallAt10),
              over(g, Cell::coldNdcgAt10),
              over(g, Cell::validColdPairAuc),
              over(g, Cell::validAuc),
              trainSeconds,
              trainSeconds.mean(),
              over(g, Cell::examplesPerS),
              first.embeddingRows(),
              first.parameters(),
              first.codeCollisionRate() == null ? null : over(g, Cell::codeCollisionRate)));
    }
    return rows;
  }

  /** The figure's mean and std over the cells that measured it (not null, not NaN). */
  static <T> MeanStd over(List<T> cells, Function<T, ? extends Number> figure) {
    return MeanStd.of(
        cells.stream()
            .map(figure)
            .filter(Objects::nonNull)
            .mapToDouble(Number::doubleValue)
            .filter(x -> !Double.isNaN(x))
            .toArray());
  }
}
