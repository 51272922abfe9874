package io.moc.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.moc.cli.MocCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/moc local} when its broker JVM is killed ({@code kill -9}) mid-stream: by default the
 * launcher restarts it on the same port and data and the run goes on, with every item published
 * before, during and after coded or dead-lettered, every impression trained or dead-lettered, and
 * no codebook or model version published twice; with {@code --on-broker-loss fail} the run stops
 * with exit code 1 and the error in its report.
 */
class BrokerRestartITCase {

  private static final Duration TIMEOUT = Duration.ofSeconds(240);

  private record Run(CompletableFuture<Integer> exit, ByteArrayOutputStream console) {
    String output() {
      return console.toString(StandardCharsets.UTF_8);
    }
  }

  private static Run start(Path dir, String duration, String... extra) throws Exception {
    List<String> args =
        LocalArgs.local(
            dir,
            duration,
            "--items-per-second",
            "20",
            "-Dmoc.codebook.train-after-items=100",
            "-Dmoc.codebook.size=16",
            "-Dexecution.checkpointing.interval=2s",
            "-Dmoc.training.publish-interval=3s",
            "-Dmoc.training.batch-size=64");
    args.addAll(List.of(extra));
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(console, true, StandardCharsets.UTF_8);
    CompletableFuture<Integer> exit =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return MocCli.run(args.toArray(String[]::new), out, out);
              } catch (Exception e) {
                e.printStackTrace(out);
                return -1;
              }
            });
    return new Run(exit, console);
  }

  /** Waits until the console shows codes and a model, then kills the broker JVM. */
  private static void killBrokerOnceModelsFlow(Run run, Path dir) throws Exception {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (!run.output().contains("| model v")) {
      assertTrue(System.nanoTime() < deadline, run.output());
      assertTrue(!run.exit().isDone(), run.output());
      Thread.onSpinWait();
    }
    long pid = Long.parseLong(Files.readString(dir.resolve("work/kafka/broker.pid")).trim());
    ProcessHandle broker = ProcessHandle.of(pid).orElseThrow();
    broker.destroyForcibly();
    broker.onExit().get(30, TimeUnit.SECONDS);
  }

  @Test
  void shouldAccountForEveryRecordAcrossABrokerKilledAndRestartedMidStream(@TempDir Path dir)
      throws Exception {
    Run run = start(dir, "75s");
    killBrokerOnceModelsFlow(run, dir);

    int rc = run.exit().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    String output = run.output();
    assertEquals(0, rc, output);
    assertTrue(output.contains("restarting it on the same port and data"), output);
    assertTrue(output.contains("Kafka broker back after"), output);

    JsonNode r = new ObjectMapper().readTree(dir.resolve("report.json").toFile());
    assertTrue(r.get("error").isNull(), r.toString());
    assertEquals(1, r.get("broker_restarts").asInt(), r.toString());
    JsonNode audit = r.get("audit");
    assertTrue(audit.get("accounted_for").asBoolean(), audit.toPrettyString());
    assertEquals(0, audit.get("items").get("in_flight").asLong(), audit.toString());
    assertEquals(0, audit.get("impressions").get("in_flight").asLong(), audit.toString());
    assertTrue(audit.get("items").get("coded").asLong() > 0, audit.toString());
    assertEquals(
        0, audit.get("codebooks").get("versions_published_twice").size(), audit.toString());
    assertEquals(0, audit.get("model_versions_published_twice").size(), audit.toString());
    // Published after the restart too: the feeder waited for the broker instead of dying.
    assertTrue(
        r.get("items_published_records").asLong() >= 20 * 50,
        "the feed must go on after the restart: " + r);
  }

  @Test
  void shouldStopTheRunWithAnErrorWhenTheBrokerDiesAndFailIsChosen(@TempDir Path dir)
      throws Exception {
    Run run = start(dir, "5min", "--on-broker-loss", "fail");
    killBrokerOnceModelsFlow(run, dir);

    int rc = run.exit().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    String output = run.output();
    assertEquals(1, rc, output);
    assertTrue(output.contains("ERROR: Kafka broker (pid"), output);
    JsonNode r = new ObjectMapper().readTree(dir.resolve("report.json").toFile());
    assertTrue(r.get("error").asText().contains("died"), r.toString());
    assertEquals(0, r.get("broker_restarts").asInt(), r.toString());
  }
}
