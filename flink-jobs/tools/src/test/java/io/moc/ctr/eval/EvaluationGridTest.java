package io.moc.ctr.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moc.ctr.model.CtrModelConfig.Backbone;
import io.moc.embed.TextModel;
import io.moc.source.SharedData;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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

    List<Map<String, Object>> cells = new EvaluationGrid(settings, cellsFile, console).run();
    assertEquals(2, cells.size());
    for (Map<String, Object> cell : cells) {
      double auc = ((Number) cell.get("test_auc")).doubleValue();
      assertTrue(auc > 0.6, cell.get("method") + " test AUC " + auc);
      // Cold against cold: measured on every cold test positive with cold candidates.
      double pair = ((Number) cell.get("cold_pair_auc")).doubleValue();
      double recall = ((Number) cell.get("cold_recall_at_10")).doubleValue();
      assertTrue(pair > 0.3 && pair < 0.9, cell.get("method") + " cold-vs-cold AUC " + pair);
      assertTrue(recall >= 0 && recall <= 1, "recall@10 " + recall);
      assertTrue(((Number) cell.get("cold_queries")).doubleValue() > 1000);
      assertTrue(((Number) cell.get("cold_candidates_mean")).doubleValue() > 10);
    }
    assertEquals(1, cells.get(0).get("scale"), "the baseline runs at 1x whatever the scales");
    assertEquals(2, Files.readAllLines(cellsFile).size());

    List<Map<String, Object>> again = new EvaluationGrid(settings, cellsFile, console).run();
    assertEquals(2, again.size());
    assertEquals(2, Files.readAllLines(cellsFile).size(), "finished cells are not run again");
    assertEquals(cells.get(1).get("test_auc"), again.get(1).get("test_auc"));
  }

  private static Map<String, Object> cell(String method, int seed, double auc) {
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
    return c;
  }

  @Test
  void shouldAggregateSeedsIntoMeanAndSampleStandardDeviation() {
    List<Map<String, Object>> rows =
        EvaluationGrid.rows(
            List.of(
                cell("moc", 1, 0.70),
                cell("moc", 2, 0.72),
                cell("moc", 3, 0.74),
                cell("none", 1, 0.6)));
    assertEquals(2, rows.size());
    Map<String, Object> moc = rows.get(0);
    assertEquals(3, moc.get("seeds"));
    assertEquals(0.72, (double) moc.get("auc_mean"), 1e-12);
    assertEquals(0.02, (double) moc.get("auc_std"), 1e-12);
    assertEquals(0.0, (double) rows.get(1).get("auc_std"), "one seed has no spread");
    assertNull(moc.get("cold_pair_auc_mean"), "not measured in any cell: no figure, not 0");
  }
}
