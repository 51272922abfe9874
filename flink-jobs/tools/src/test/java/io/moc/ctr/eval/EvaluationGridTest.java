package io.moc.ctr.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.moc.ctr.eval.EvaluationGrid.Cell;
import io.moc.ctr.eval.EvaluationGrid.Row;
import io.moc.ctr.model.CtrModelConfig.Backbone;
import io.moc.embed.TextModel;
import io.moc.report.JsonReport;
import io.moc.source.SharedData;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvaluationGridTest {

  /** The CI-sized grid: DeepFM, no semantics against MoC at 2x, one epoch, newest 60k examples. */
  private static EvaluationGrid.Settings quick(Path data) {
    return new EvaluationGrid.Settings(
        data,
        List.of(Backbone.DEEPFM),
        List.of(EvalMethod.named("none"), EvalMethod.named("moc")),
        List.of(2),
        1,
        256,
        16,
        List.of(64, 32),
        1024,
        1,
        1,
        1e-3f,
        60_000,
        0.1,
        0,
        1,
        TextModel.ALL_MINILM_L6_V2_Q,
        Path.of("../../.moc/cache"));
  }

  @Test
  void shouldTrainNoneAndMocWellAboveChanceOnBeautyAndResumeWithoutRedoingCells(@TempDir Path dir)
      throws Exception {
    Path cellsFile = dir.resolve("quick.cells.jsonl");
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    PrintStream console = new PrintStream(log, true, StandardCharsets.UTF_8);
    EvaluationGrid.Settings settings = quick(SharedData.dataset("amazon-beauty"));

    List<Cell> cells = new EvaluationGrid(settings, cellsFile, console).run();
    assertEquals(2, cells.size());
    for (Cell cell : cells) {
      double auc = cell.testAuc();
      assertTrue(auc > 0.6, cell.method() + " test AUC " + auc);
      // Cold against cold: measured on every cold test positive with cold candidates.
      double pair = cell.coldPairAuc();
      double recall = cell.coldRecallAt10();
      assertTrue(pair > 0.3 && pair < 0.9, cell.method() + " cold-vs-cold AUC " + pair);
      assertTrue(recall >= 0 && recall <= 1, "recall@10 " + recall);
      assertTrue(cell.coldQueries() > 1000);
      assertTrue(cell.coldCandidatesMean() > 10);
    }
    assertEquals(1, cells.get(0).scale(), "the baseline runs at 1x whatever the scales");
    assertEquals(2, Files.readAllLines(cellsFile).size());

    List<Cell> again = new EvaluationGrid(settings, cellsFile, console).run();
    assertEquals(2, again.size());
    assertEquals(2, Files.readAllLines(cellsFile).size(), "finished cells are not run again");
    assertEquals(cells.get(1), again.get(1), "a cell reads back as it was written");
  }

  private static Cell cell(String method, int seed, double auc) throws Exception {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("dataset", "d");
    c.put("backbone", "deepfm");
    c.put("method", method);
    c.put("scale", 7);
    c.put("seed", seed);
    for (String k :
        List.of(
            "test_auc",
            "test_logloss",
            "cold_auc",
            "valid_auc",
            "train_seconds",
            "examples_per_s")) {
      c.put(k, auc);
    }
    c.put("embedding_rows", 10);
    c.put("parameters", 20);
    return Cells.of(c);
  }

  @Test
  void shouldAggregateSeedsIntoMeanAndSampleStandardDeviation() throws Exception {
    List<Row> rows =
        EvaluationGrid.rows(
            List.of(
                cell("moc", 1, 0.70),
                cell("moc", 2, 0.72),
                cell("moc", 3, 0.74),
                cell("none", 1, 0.6)));
    assertEquals(2, rows.size());
    Row moc = rows.get(0);
    assertEquals(3, moc.seeds());
    assertEquals(0.72, moc.auc().mean(), 1e-12);
    assertEquals(0.02, moc.auc().std(), 1e-12);
    assertEquals(0.0, rows.get(1).auc().std(), "one seed has no spread");
    assertNull(moc.coldPairAuc().mean(), "not measured in any cell: no figure, not 0");
    assertNull(moc.codeCollisionRate(), "a method without codes has no collision rate");
  }

  @Test
  void shouldWriteTheRowsKeysFlatWithNullsForFiguresNotMeasured(@TempDir Path dir)
      throws Exception {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("backbone", "deepfm");
    c.put("method", "moc");
    c.put("dataset", "d");
    c.put("code_collision_rate", 0.25);
    List<Row> rows = EvaluationGrid.rows(List.of(Cells.of(c)));
    JsonNode row =
        new ObjectMapper().readTree(JsonReport.write(dir.resolve("r.json"), rows.get(0)).toFile());
    List<String> keys = new ArrayList<>();
    row.fieldNames().forEachRemaining(keys::add);
    assertEquals(
        List.of(
            "dataset",
            "backbone",
            "method",
            "scale",
            "seeds",
            "auc_mean",
            "auc_std",
            "logloss_mean",
            "logloss_std",
            "cold_auc_mean",
            "cold_auc_std",
            "cold_pair_auc_mean",
            "cold_pair_auc_std",
            "cold_recall_at_10_mean",
            "cold_recall_at_10_std",
            "cold_ndcg_at_10_mean",
            "cold_ndcg_at_10_std",
            "valid_cold_pair_auc_mean",
            "valid_cold_pair_auc_std",
            "valid_auc_mean",
            "valid_auc_std",
            "train_seconds_mean",
            "train_seconds_std",
            "train_seconds",
            "examples_per_s_mean",
            "examples_per_s_std",
            "embedding_rows",
            "parameters",
            "code_collision_rate_mean",
            "code_collision_rate_std"),
        keys);
    assertTrue(row.get("cold_pair_auc_mean").isNull(), "written as null, not left out");
    assertEquals(0.25, row.get("code_collision_rate_mean").asDouble(), 1e-12);
  }
}
