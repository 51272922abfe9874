package io.moc.ctr.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.moc.codebook.methods.CodebookMethods;
import io.moc.ctr.data.ColdQueries;
import io.moc.ctr.data.CtrDataset;
import io.moc.ctr.data.Split;
import io.moc.ctr.model.CtrModel;
import io.moc.ctr.model.CtrModelConfig;
import io.moc.ctr.model.CtrModelConfig.Backbone;
import io.moc.embed.TextModel;
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
import java.util.Set;

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

  private static final ObjectMapper JSON = new ObjectMapper();

  static final String COLD_PAIR_AUC = "cold_pair_auc";

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
  public List<Map<String, Object>> finished() throws IOException {
    return previousCells();
  }

  /** Runs every cell not yet in the cells file; returns every cell of this grid, old and new. */
  public List<Map<String, Object>> run() throws Exception {
    List<Map<String, Object>> cells = new ArrayList<>(previousCells());
    Set<String> done = new HashSet<>();
    cells.forEach(c -> done.add(key(c)));

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
            Map<String, Object> cell =
                cell(dataset, backbone, method, method.scaled() ? scale : 1, seed);
            if (done.contains(key(cell))) {
              continue;
            }
            String codesKey = method.codes() + "@" + method.codebooks(scale);
            if (method.codes() != null && !codesByMethod.containsKey(codesKey)) {
              long start = System.nanoTime();
              codesByMethod.put(
                  codesKey,
                  ItemFeatures.coded(
                      data,
                      embeddings,
                      CodebookMethods.trainer(
                          method.codes(),
                          method.codebooks(scale),
                          settings.codebookSize(),
                          32,
                          25,
                          seed)));
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
            runCell(cell, data, dense, codes, codeRows, method, backbone, scale, seed, label);
            if (method.codes() != null) {
              cell.put("codebook_seconds", codeSeconds.get(codesKey));
              cell.put("code_collision_rate", collisionRate(codes, data));
            }
            append(cell);
            cells.add(cell);
          }
        }
      }
    }
    return cells;
  }

  /** Whether the method has cells in the pass over {@code scale}. */
  private boolean runs(EvalMethod method, int scale) {
    return method.scaled() ? method.runsAt(scale) : scale == settings.scales().get(0);
  }

  /**
   * @param dense the dense input of an ADAPTER (text embeddings, or the chosen code vectors); null
   *     for representations without one
   */
  private void runCell(
      Map<String, Object> cell,
      CtrDataset data,
      float[][] dense,
      int[][] codes,
      float[][][] codeRows,
      EvalMethod method,
      Backbone backbone,
      int scale,
      int seed,
      String label) {
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
            .backbone(backbone)
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
    cell.put("valid_auc", fit.valid().auc());
    cell.put("test_auc", test.auc());
    cell.put("test_logloss", test.logloss());
    cell.put("cold_auc", test.coldAuc());
    cell.put("cold_examples", test.cold());
    // Cold against cold only: what popularity cannot win (null without sampled negatives).
    putCold(cell, "cold_pair_auc", coldTest == null ? null : coldTest.pairAuc());
    putCold(cell, "cold_recall_at_10", coldTest == null ? null : coldTest.recallAt10());
    putCold(cell, "cold_ndcg_at_10", coldTest == null ? null : coldTest.ndcgAt10());
    putCold(cell, "cold_queries", coldTest == null ? null : (double) coldTest.queries());
    putCold(cell, "cold_candidates_mean", coldTest == null ? null : coldTest.meanCandidates());
    putCold(cell, "valid_cold_pair_auc", coldValid == null ? null : coldValid.pairAuc());
    putCold(cell, "valid_cold_recall_at_10", coldValid == null ? null : coldValid.recallAt10());
    cell.put("best_epoch", fit.bestEpoch());
    cell.put("epochs", fit.epochs());
    cell.put("train_seconds", fit.seconds());
    cell.put("examples_per_s", fit.examplesTrained() / fit.seconds());
    cell.put("parameters", parameters);
    cell.put("embedding_rows", rows);
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

  private static void putCold(Map<String, Object> cell, String key, Double value) {
    cell.put(key, value == null || value.isNaN() ? null : value);
  }

  private Map<String, Object> cell(
      String dataset, Backbone backbone, EvalMethod method, int scale, int seed) {
    Map<String, Object> cell = new LinkedHashMap<>();
    cell.put("dataset", dataset);
    cell.put("backbone", backbone.name().toLowerCase());
    cell.put("method", method.name());
    cell.put("scale", scale);
    cell.put("seed", seed);
    cell.put("settings", settings.fingerprint());
    return cell;
  }

  private static String key(Map<String, Object> cell) {
    return String.join(
        "|",
        String.valueOf(cell.get("dataset")),
        String.valueOf(cell.get("backbone")),
        String.valueOf(cell.get("method")),
        String.valueOf(cell.get("scale")),
        String.valueOf(cell.get("seed")),
        String.valueOf(cell.get("settings")));
  }

  @SuppressWarnings("unchecked")
  private List<Map<String, Object>> previousCells() throws IOException {
    if (!Files.isRegularFile(cellsFile)) {
      return List.of();
    }
    List<Map<String, Object>> cells = new ArrayList<>();
    for (String line : Files.readAllLines(cellsFile, StandardCharsets.UTF_8)) {
      if (line.isBlank()) {
        continue;
      }
      Map<String, Object> cell = JSON.readValue(line, LinkedHashMap.class);
      // Cells from before the cold-vs-cold slice lack it: run again.
      if (settings.fingerprint().equals(cell.get("settings")) && cell.containsKey(COLD_PAIR_AUC)) {
        cells.add(cell);
      }
    }
    if (!cells.isEmpty()) {
      console.printf("Resuming: %d cells already done in %s%n", cells.size(), cellsFile);
    }
    return cells;
  }

  private void append(Map<String, Object> cell) throws IOException {
    if (cellsFile.getParent() != null) {
      Files.createDirectories(cellsFile.getParent());
    }
    Files.writeString(
        cellsFile,
        JSON.writeValueAsString(cell) + "\n",
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
  public static List<Map<String, Object>> rows(List<Map<String, Object>> cells) {
    Map<String, List<Map<String, Object>>> groups = new LinkedHashMap<>();
    for (Map<String, Object> c : cells) {
      String group =
          c.get("dataset") + "|" + c.get("backbone") + "|" + c.get("method") + "|" + c.get("scale");
      groups.computeIfAbsent(group, g -> new ArrayList<>()).add(c);
    }
    List<Map<String, Object>> rows = new ArrayList<>();
    for (List<Map<String, Object>> g : groups.values()) {
      Map<String, Object> first = g.get(0);
      Map<String, Object> row = new LinkedHashMap<>();
      for (String k : List.of("dataset", "backbone", "method", "scale")) {
        row.put(k, first.get(k));
      }
      row.put("seeds", g.size());
      stat(row, g, "test_auc", "auc");
      stat(row, g, "test_logloss", "logloss");
      stat(row, g, "cold_auc", "cold_auc");
      stat(row, g, COLD_PAIR_AUC, COLD_PAIR_AUC);
      stat(row, g, "cold_recall_at_10", "cold_recall_at_10");
      stat(row, g, "cold_ndcg_at_10", "cold_ndcg_at_10");
      stat(row, g, "valid_cold_pair_auc", "valid_cold_pair_auc");
      stat(row, g, "valid_auc", "valid_auc");
      stat(row, g, "train_seconds", "train_seconds");
      row.put("train_seconds", row.get("train_seconds_mean"));
      stat(row, g, "examples_per_s", "examples_per_s");
      row.put("embedding_rows", first.get("embedding_rows"));
      row.put("parameters", first.get("parameters"));
      if (first.containsKey("code_collision_rate")) {
        stat(row, g, "code_collision_rate", "code_collision_rate");
      }
      rows.add(row);
    }
    return rows;
  }

  /**
   * Puts {@code name_mean} and {@code name_std} (sample standard deviation; 0 for one cell) of the
   * cells' {@code key} into {@code row}.
   */
  public static void stat(
      Map<String, Object> row, List<Map<String, Object>> cells, String key, String name) {
    double[] v =
        cells.stream()
            .map(c -> c.get(key))
            .filter(x -> x instanceof Number)
            .mapToDouble(x -> ((Number) x).doubleValue())
            .toArray();
    if (v.length == 0) {
      // Not measured (the cold-vs-cold slice of a dataset with logged labels).
      row.put(name + "_mean", null);
      row.put(name + "_std", null);
      return;
    }
    double mean = Arrays.stream(v).average().orElse(Double.NaN);
    double var =
        v.length < 2
            ? 0
            : Arrays.stream(v).map(x -> (x - mean) * (x - mean)).sum() / (v.length - 1);
    row.put(name + "_mean", mean);
    row.put(name + "_std", Math.sqrt(var));
  }
}
