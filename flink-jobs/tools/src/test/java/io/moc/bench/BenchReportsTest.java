package io.moc.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.moc.report.JsonReport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The benchmarks' JSON keys, which notes and issues quote: records must not rename them. */
class BenchReportsTest {

  /** The first keys of the catalog benchmarks' reports, as in the committed results. */
  private static final List<String> SHAPE_KEYS =
      List.of(
          "cores",
          "parallelism",
          "items",
          "embedding_dimension",
          "num_codebooks",
          "codebook_size",
          "method");

  private static List<String> keys(JsonNode n) {
    List<String> keys = new ArrayList<>();
    n.fieldNames().forEachRemaining(keys::add);
    return keys;
  }

  private static JsonNode written(Path file, Object report) throws Exception {
    return new ObjectMapper().readTree(JsonReport.write(file, report).toFile());
  }

  @Test
  void shouldKeepTheIndexingBenchmarksKeys(@TempDir Path dir) throws Exception {
    IndexingBenchmark.Report r =
        new IndexingBenchmark.Report(
            2,
            32,
            true,
            100,
            60,
            6000,
            40,
            100,
            List.of(new IndexingBenchmark.Stage("micro-batch wait", "embedWaitMs", 9, 19)),
            3000,
            80.5,
            20000,
            6118,
            90,
            92,
            91,
            0.88);
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
            "latency_breakdown",
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
  void shouldWriteTheBackfillKeysTheIssueAsksFor(@TempDir Path dir) throws Exception {
    BackfillBenchmark.Pass pass =
        new BackfillBenchmark.Pass(
            20, 50000, 1_680_000_000L, List.of(900L), List.of(1L), 1, 2, false);
    BackfillBenchmark.Report r =
        new BackfillBenchmark.Report(
            new BenchCatalog.Shape(2, 1, 1_000_000, 384, 7, 256, "moc"),
            50,
            50000,
            60000,
            0.833,
            1680,
            1622,
            900,
            1,
            1,
            2,
            true,
            pass,
            pass,
            pass);
    List<String> keys = keys(written(dir.resolve("b.json"), r));
    assertEquals(SHAPE_KEYS, keys.subList(0, SHAPE_KEYS.size()), "the shape, unwrapped, first");
    for (String required :
        List.of(
            "items",
            "items_per_s",
            "raw_items_per_s",
            "ratio",
            "state_bytes_per_item",
            "checkpoint_duration_ms_p99",
            "heap_peak_bytes",
            "rss_peak_bytes")) {
      assertTrue(keys.contains(required), required + " in " + keys);
    }
  }

  @Test
  void shouldTakeTheNinetyNinthPercentileOfCheckpointDurations() {
    List<Long> hundred = new ArrayList<>();
    for (long i = 100; i >= 1; i--) {
      hundred.add(i);
    }
    assertEquals(99, BackfillBenchmark.p99(hundred));
    assertEquals(7, BackfillBenchmark.p99(List.of(3L, 7L)), "of a few, the longest");
    assertEquals(-1, BackfillBenchmark.p99(List.of()), "none completed: said, not zero");
  }

  @Test
  void shouldKeepTheAssignmentAndRecodingBenchmarksKeys(@TempDir Path dir) throws Exception {
    AssignmentBenchmark.Report a =
        new AssignmentBenchmark.Report(
            384, 7, 256, 100, List.of(new AssignmentBenchmark.Row("pq", 83257, 150000)));
    JsonNode n = new ObjectMapper().readTree(JsonReport.write(dir.resolve("a.json"), a).toFile());
    assertEquals(List.of("dimension", "num_codebooks", "codebook_size", "items", "rows"), keys(n));
    assertEquals(
        List.of("method", "items_per_s_per_core", "batch_items_per_s_per_core"),
        keys(n.get("rows").get(0)));

    RecodingBenchmark.Report r =
        new RecodingBenchmark.Report(
            new BenchCatalog.Shape(2, 1, 1_000_000, 384, 7, 256, "moc"),
            10000,
            25,
            24,
            40000,
            42000,
            0.952,
            1600,
            List.of(30L),
            List.of(45L),
            45,
            0,
            1,
            2,
            false);
    List<String> keys = keys(written(dir.resolve("r.json"), r));
    assertEquals(SHAPE_KEYS, keys.subList(0, SHAPE_KEYS.size()), "the shape, unwrapped, first");
    for (String required :
        List.of(
            "items",
            "method",
            "pass_seconds",
            "mixed_seconds",
            "items_per_s",
            "assign_items_per_s",
            "ratio",
            "state_bytes_per_item",
            "checkpoint_ms_before",
            "checkpoint_ms_during_recoding",
            "checkpoint_duration_ms_p99",
            "checkpoints_failed")) {
      assertTrue(keys.contains(required), required + " in " + keys);
    }
  }

  /** The keys of results/bench-soak-30min.json. */
  @Test
  void shouldKeepTheSoakBenchmarksKeys(@TempDir Path dir) throws Exception {
    SoakBenchmark.Probe probe =
        new SoakBenchmark.Probe(0, 180, 300, 1500, 91.9, 129.1, 505.8, true, true, 25521, 128530);
    SoakBenchmark.Trend trend =
        new SoakBenchmark.Trend(new SoakBenchmark.Thirds(0, 188.8, null, 264.2), 16);
    SoakBenchmark.Trend few = new SoakBenchmark.Trend(null, 2);
    SoakBenchmark.JobCheckpoint completed = new SoakBenchmark.JobCheckpoint(80L, 5618.7, null);
    List<SoakBenchmark.Sample> samples =
        List.of(
            new SoakBenchmark.Sample(
                4,
                259.3,
                22.3,
                135.2,
                SoakBenchmark.JobCheckpoint.NONE,
                SoakBenchmark.JobCheckpoint.NONE,
                0L,
                0L,
                null),
            new SoakBenchmark.Sample(20, 211.7, 135.0, null, completed, completed, 0L, 0L, null),
            new SoakBenchmark.Sample(
                35,
                250.1,
                -1,
                null,
                new SoakBenchmark.JobCheckpoint(null, null, "java.io.IOException"),
                completed,
                null,
                null,
                "java.net.ConnectException"));
    SoakBenchmark.Report r =
        new SoakBenchmark.Report(
            0,
            1800,
            64.6,
            252.9,
            probe,
            0.01,
            5713,
            1,
            List.of("[  604s] kill -9 of the broker"),
            trend,
            trend,
            trend,
            trend,
            trend,
            few,
            trend,
            1L,
            null,
            new ObjectMapper().createObjectNode().put("source", "synthetic"),
            samples);
    JsonNode n = written(dir.resolve("s.json"), r);
    assertEquals(
        List.of(
            "exit_code",
            "duration_s",
            "items_per_s",
            "impressions_per_s",
            "peak_probe",
            "bad_fraction",
            "bad_records_sent",
            "bad_records_refused_by_broker",
            "faults",
            "heap_used_mb",
            "old_gen_after_gc_mb",
            "heap_after_full_gc_mb",
            "indexing_checkpoint_ms",
            "training_checkpoint_ms",
            "indexing_checkpoint_kb",
            "training_checkpoint_kb",
            "indexing_restarts",
            "training_restarts",
            "feed",
            "samples"),
        keys(n));
    assertTrue(n.get("training_restarts").isNull());
    assertEquals(
        List.of(
            "exit_code",
            "duration_s",
            "offered_items_per_s",
            "offered_impressions_per_s",
            "window_s",
            "items_coded_per_s",
            "impressions_trained_per_s",
            "items_saturated",
            "impressions_saturated",
            "items_coded",
            "impressions_trained"),
        keys(n.get("peak_probe")));
    assertEquals(
        List.of("first_third_median", "last_third_median", "ratio", "max", "samples"),
        keys(n.get("heap_used_mb")));
    assertTrue(n.get("heap_used_mb").get("ratio").isNull());
    assertEquals(List.of("samples"), keys(n.get("indexing_checkpoint_kb")));
    assertEquals(List.of("source"), keys(n.get("feed")));

    JsonNode s = n.get("samples");
    assertEquals(
        List.of(
            "t_s",
            "heap_used_mb",
            "old_gen_after_gc_mb",
            "heap_after_full_gc_mb",
            "indexing_restarts",
            "training_restarts"),
        keys(s.get(0)));
    assertEquals(
        List.of(
            "t_s",
            "heap_used_mb",
            "old_gen_after_gc_mb",
            "indexing_checkpoint_ms",
            "indexing_checkpoint_kb",
            "training_checkpoint_ms",
            "training_checkpoint_kb",
            "indexing_restarts",
            "training_restarts"),
        keys(s.get(1)));
    // Not in the committed run: what a sample holds where the dashboard did not answer.
    assertEquals(
        List.of(
            "t_s",
            "heap_used_mb",
            "old_gen_after_gc_mb",
            "indexing_checkpoint_error",
            "training_checkpoint_ms",
            "training_checkpoint_kb",
            "restarts_error"),
        keys(s.get(2)));
  }

  @Test
  void shouldKeepTheStallsBenchmarksKeys(@TempDir Path dir) throws Exception {
    Map<String, Long> gauges = new LinkedHashMap<>();
    gauges.put("codebookScheduledTrainings", 9L);
    gauges.put("codebookDriftTrainings", 0L);
    gauges.put("codebookTrainingFailures", 0L);
    gauges.put("lastCodebookTrainingMs", 2100L);
    gauges.put("lastRetrainMs", null);
    gauges.put("impressionsTrained", 36000L);
    StallsBenchmark.Phase before =
        new StallsBenchmark.Phase(
            0,
            40,
            900,
            9000,
            9000,
            36000,
            9,
            new StallsBenchmark.Checkpoints(60, 200, 3000, 3100),
            new StallsBenchmark.Checkpoints(0, -1, -1, -1),
            gauges);
    StallsBenchmark.Phase after =
        new StallsBenchmark.Phase(
            0,
            40,
            450,
            9000,
            9000,
            36000,
            9,
            new StallsBenchmark.Checkpoints(60, 200, 300, 310),
            new StallsBenchmark.Checkpoints(60, 400, 800, 900),
            gauges);
    StallsBenchmark.Report r =
        new StallsBenchmark.Report(
            2, 180, 50, 200, 20, 10, before, after, StallsBenchmark.Ratios.of(after, before));
    JsonNode n = written(dir.resolve("st.json"), r);
    assertEquals(
        List.of(
            "cores",
            "duration_s",
            "items_per_s",
            "impressions_per_s",
            "codebook_every_s",
            "retrain_every_s",
            "task_thread",
            "background",
            "background_over_task_thread"),
        keys(n));
    List<String> phase =
        List.of(
            "exit_code",
            "codes_latency_ms_p50",
            "codes_latency_ms_p99",
            "codes_latency_samples",
            "items_coded",
            "examples_trained",
            "codebook_version",
            "indexing_checkpoints",
            "indexing_checkpoint_ms_p50",
            "indexing_checkpoint_ms_p99",
            "indexing_checkpoint_ms_max",
            "training_checkpoints",
            "training_checkpoint_ms_p50",
            "training_checkpoint_ms_p99",
            "training_checkpoint_ms_max",
            "codebookScheduledTrainings",
            "codebookDriftTrainings",
            "codebookTrainingFailures",
            "lastCodebookTrainingMs",
            "lastRetrainMs",
            "impressionsTrained");
    assertEquals(phase, keys(n.get("task_thread")));
    assertEquals(phase, keys(n.get("background")));
    assertTrue(n.get("background").get("lastRetrainMs").isNull());
    JsonNode ratios = n.get("background_over_task_thread");
    assertEquals(
        List.of(
            "codes_latency_ms_p50",
            "codes_latency_ms_p99",
            "indexing_checkpoint_ms_p50",
            "indexing_checkpoint_ms_p99",
            "indexing_checkpoint_ms_max",
            "training_checkpoint_ms_p50",
            "training_checkpoint_ms_p99",
            "training_checkpoint_ms_max",
            "examples_trained",
            "items_coded"),
        keys(ratios));
    assertEquals(0.5, ratios.get("codes_latency_ms_p99").asDouble());
    assertEquals(0.1, ratios.get("indexing_checkpoint_ms_max").asDouble());
    // The task thread had no checkpoint: nothing to divide by.
    assertTrue(ratios.get("training_checkpoint_ms_p50").isNull());
  }

  @Test
  void shouldKeepTheTrainingBenchmarksKeys(@TempDir Path dir) throws Exception {
    TrainingBenchmark.Snapshots snapshots =
        new TrainingBenchmark.Snapshots(3, 27, 52000, 4100, 6000, 8900, 0.17, 12.5, 3.1, 0.01);
    TrainingBenchmark.Report r =
        new TrainingBenchmark.Report(
            2,
            "1",
            2000,
            4,
            256,
            64,
            200000,
            20000,
            30,
            600,
            new TrainingBenchmark.Throughput(8100, 190000, 23.4, 2),
            new TrainingBenchmark.Freshness(
                500, 60, 30000, 30, 31.2, 59.8, 15.1, 30.2, 16.0, 30, snapshots),
            8000,
            8200,
            8100,
            1.0);
    JsonNode n = written(dir.resolve("t.json"), r);
    assertEquals(
        List.of(
            "cores",
            "pytorch_threads",
            "items",
            "num_codebooks",
            "codebook_size",
            "batch_size",
            "examples",
            "warmup_examples",
            "checkpoint_interval_s",
            "retrain_interval_s",
            "flink_examples_per_s",
            "flink_measured_examples",
            "flink_measured_seconds",
            "throughput_publish_interval_s",
            "freshness_rate_per_s",
            "freshness_seconds",
            "freshness_samples",
            "publish_interval_s",
            "freshness_s_p50",
            "freshness_s_p99",
            "freshness_append_s_p50",
            "freshness_append_s_p99",
            "snapshot_commit_wait_s_p50",
            "snapshots_published",
            "full_snapshots",
            "delta_snapshots",
            "full_snapshot_bytes_p50",
            "delta_snapshot_bytes_p50",
            "delta_snapshot_bytes_max",
            "bytes_per_snapshot_mean",
            "bytes_per_snapshot_over_full",
            "full_publish_ms_p50",
            "delta_publish_ms_p50",
            "publish_share_of_task_thread",
            "raw_examples_per_s_before",
            "raw_examples_per_s_after",
            "raw_examples_per_s",
            "ratio"),
        keys(n));
  }
}
