package io.moc.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.moc.report.JsonReport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The benchmarks' JSON keys, which notes and issues quote: records must not rename them. */
class BenchReportsTest {

  private static List<String> keys(JsonNode n) {
    List<String> keys = new ArrayList<>();
    n.fieldNames().forEachRemaining(keys::add);
    return keys;
  }

  @Test
  void shouldKeepTheIndexingBenchmarksKeys(@TempDir Path dir) throws Exception {
    IndexingBenchmark.Report r =
        new IndexingBenchmark.Report(
            2, 32, true, 100, 60, 6000, 40, 100, 3000, 80.5, 20000, 6118, 90, 92, 91, 0.88);
    JsonNode n = new ObjectMapper().readTree(JsonReport.write(dir.resolve("i.json"), r).toFile());
    assertEquals(
        List.of(
            "cores",
            "embed_batch_size",
            "embed_batch_invariant",
            "steady_items_per_s",
            "steady_seconds",
            "latency_samples",
            "latency_ms_p50",
            "latency_ms_p99",
            "embed_items",
            "embed_items_per_s_job",
            "precomputed_items",
            "precomputed_items_per_s",
            "embed_items_per_s_raw_before",
            "embed_items_per_s_raw_after",
            "embed_items_per_s_raw",
            "embed_ratio"),
        keys(n));
  }

  @Test
  void shouldKeepTheAssignmentAndRecodingBenchmarksKeys(@TempDir Path dir) throws Exception {
    AssignmentBenchmark.Report a =
        new AssignmentBenchmark.Report(
            384, 7, 256, 100, List.of(new AssignmentBenchmark.Row("pq", 83257)));
    JsonNode n = new ObjectMapper().readTree(JsonReport.write(dir.resolve("a.json"), a).toFile());
    assertEquals(List.of("dimension", "num_codebooks", "codebook_size", "items", "rows"), keys(n));
    assertEquals(List.of("method", "items_per_s_per_core"), keys(n.get("rows").get(0)));

    RecodingBenchmark.Report r =
        new RecodingBenchmark.Report(
            50000, 7, 256, "moc", 2.7, 18328, List.of(30L), List.of(45L), 0);
    n = new ObjectMapper().readTree(JsonReport.write(dir.resolve("r.json"), r).toFile());
    assertEquals(
        List.of(
            "items",
            "num_codebooks",
            "codebook_size",
            "method",
            "recode_seconds",
            "recode_items_per_s",
            "checkpoint_ms_before",
            "checkpoint_ms_during_recoding",
            "checkpoints_failed"),
        keys(n));
  }
}
