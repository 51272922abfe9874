package io.moc.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.moc.cli.MocCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/moc local} as a user runs it: a broker in its own JVM, the MiniCluster with the
 * dashboard running the indexing and the training job, the synthetic catalog, and the JSON report
 * at the end.
 */
class LocalStackITCase {

  @Test
  void shouldCodeSyntheticItemsEndToEndAndWriteTheReport(@TempDir Path dir) throws Exception {
    Path report = dir.resolve("report.json");
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    int rc =
        MocCli.run(
            LocalArgs.local(
                    dir,
                    "40s",
                    "--items-per-second",
                    "25",
                    "-Dmoc.codebook.train-after-items=150",
                    "-Dmoc.codebook.size=32",
                    "-Dexecution.checkpointing.interval=2s",
                    // Small enough that several model versions are published within the run.
                    "-Dmoc.training.publish-interval=3s",
                    "-Dmoc.training.batch-size=64")
                .toArray(String[]::new),
            new PrintStream(console, true, StandardCharsets.UTF_8),
            System.err);
    String output = console.toString(StandardCharsets.UTF_8);
    assertEquals(0, rc, output);
    assertTrue(output.contains("Flink dashboard: http://localhost:"), output);

    JsonNode r = new ObjectMapper().readTree(report.toFile());
    long published = r.get("items_published_records").asLong();
    long keys = r.get("items_published_keys").asLong();
    long coded = r.get("items_coded_keys").asLong();
    assertTrue(published >= 500, "published " + published);
    assertEquals(1, r.get("codebook_version").asLong(), r.toString());
    // Re-publications and title changes reuse item ids: fewer keys than records, each coded.
    assertTrue(keys >= published * 0.9 && keys <= published, r.toString());
    assertEquals(keys, coded, r.toString());
    assertEquals(0, r.get("dead_letters").asLong());
    assertTrue(r.get("error").isNull(), r.toString());
    assertEquals(0, r.get("broker_restarts").asInt(), r.toString());
    JsonNode audit = r.get("audit");
    assertTrue(audit.get("accounted_for").asBoolean(), audit.toString());
    assertEquals(published, audit.get("items").get("records").asLong(), audit.toString());
    assertEquals(0, audit.get("impressions").get("in_flight").asLong(), audit.toString());
    long p50 = r.get("codes_latency_ms_p50").asLong();
    long p99 = r.get("codes_latency_ms_p99").asLong();
    assertTrue(r.get("codes_latency_samples").asLong() > 100, r.toString());
    assertTrue(p50 > 0 && p50 <= p99, r.toString());

    // The training job joined the feeder's impressions with the codes and published a model.
    assertTrue(r.get("model_version").asLong() >= 0, r.toString());
    assertEquals(1, r.get("model_codebook_version").asLong(), r.toString());
    assertTrue(r.get("examples_trained").asLong() > 0, r.toString());
    assertTrue(r.has("prequential_auc") && r.has("cold_start_auc"), r.toString());
    assertTrue(output.contains("job 'moc training'"), output);
  }
}
