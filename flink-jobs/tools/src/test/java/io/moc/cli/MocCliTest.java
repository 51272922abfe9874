package io.moc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moc.local.BrokerWatchdog;
import io.moc.local.LocalStack;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

class MocCliTest {

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    return MocCli.run(
        args,
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @ParameterizedTest(name = "bin/moc {0} --help")
  @CsvSource({
    "'', local",
    "local, --on-broker-loss",
    "cluster, savepoint",
    "cluster up, --no-feed",
    "cluster scale, --parallelism",
    "cluster kill, --process",
    "audit, --bootstrap-servers",
    "bench, soak",
    "bench assignment, --codebooks",
    "bench recoding, --items",
    "bench ctr, --repeats",
    "bench indexing, --precomputed-items",
    "bench soak, --bad-fraction",
    "bench stalls, --retrain-every",
    "bench training, --examples",
    "codebook, train",
    "codebook train, --method",
    "codebook eval, --scales",
    "evaluate, --id-dropout"
  })
  void shouldShowEachCommandsOwnHelpAndExitZero(String command, String option) {
    String[] words = command.isEmpty() ? new String[0] : command.split(" ");
    String[] args = java.util.Arrays.copyOf(words, words.length + 1);
    args[words.length] = "--help";
    assertEquals(0, run(args), err());
    assertTrue(out().contains("Usage: bin/moc"), out());
    assertTrue(out().contains(option), out());
  }

  @Test
  void shouldNameTheBuildOnEveryCommand() {
    assertEquals(0, run("--version"));
    assertTrue(out().matches("moc \\d+\\.\\d+\\.\\d+.*\\s*"), out());
    out.reset();
    assertEquals(0, run("bench", "soak", "-V"));
    assertTrue(out().startsWith("moc "), out());
  }

  @Test
  void shouldShowTheUsageAndFailWithoutACommand() {
    assertEquals(1, run());
    assertTrue(out().contains("Usage: bin/moc"), out());
    assertTrue(out().contains("evaluate"), out());
  }

  @Test
  void shouldRefuseAnUnknownOptionWithExitCodeTwoNamingIt() {
    assertEquals(2, run("local", "--no-such-option"));
    assertTrue(err().contains("--no-such-option"), err());
    assertEquals(2, run("cluster", "up", "--work-dir", "x"));
    assertTrue(err().contains("--work-dir"), err());
  }

  @Test
  void shouldRefuseABadValueNamingTheOption() {
    assertEquals(2, run("local", "--on-broker-loss", "sometimes"));
    assertTrue(err().contains("--on-broker-loss must be restart or fail"), err());
    assertEquals(2, run("local", "--duration", "soon"));
    assertTrue(err().contains("--duration"), err());
  }

  @Test
  void shouldRefuseCompareOfflineWithoutADataset() {
    assertEquals(2, run("local", "--compare-offline", "--duration", "1s"));
    assertTrue(err().contains("--compare-offline needs --data"), err());
  }

  @Test
  void shouldRefuseAMissingConfigFile(@TempDir Path dir) {
    assertEquals(2, run("audit", "--config", dir.resolve("none.yaml").toString()));
    assertTrue(err().contains("does not exist"), err());
  }

  @Test
  void shouldTurnLocalOptionsIntoTheStacksOptions(@TempDir Path dir) throws Exception {
    Path yaml = dir.resolve("job.yaml");
    Files.writeString(yaml, "moc:\n  codebook:\n    size: 32\n    train-after-items: 50\n");
    LocalCommand local =
        parse(
            LocalCommand.class,
            "local",
            "--config",
            yaml.toString(),
            "-Dmoc.codebook.size=64",
            "--duration",
            "90s",
            "--items-per-second",
            "25",
            "--kafka-port",
            "9500",
            "--work-dir",
            dir.resolve("work").toString(),
            "--on-broker-loss",
            "fail",
            "--drain");
    LocalStack.Options options = local.options();
    Configuration config = options.jobConfig();
    assertEquals("64", config.toMap().get("moc.codebook.size"), "-D over the file");
    assertEquals("50", config.toMap().get("moc.codebook.train-after-items"));
    assertEquals(90_000, options.feed().durationMillis());
    assertEquals(25.0, options.feed().itemsPerSecond());
    assertEquals(100.0, options.feed().impressionsPerSecond(), "the default");
    assertTrue(options.feed().drain());
    assertNull(options.feed().data());
    assertEquals(9500, options.kafkaPort());
    assertEquals(8081, options.uiPort());
    assertEquals(dir.resolve("work"), options.workDir());
    assertEquals(BrokerWatchdog.OnLoss.FAIL, options.onBrokerLoss());
  }

  @Test
  void shouldRunTheSoakAtHalfThePeakUnlessARateIsGiven() {
    BenchCommand.Soak soak = parse(BenchCommand.Soak.class, "bench", "soak", "--duration", "2min");
    assertTrue(Double.isNaN(soak.items) && Double.isNaN(soak.impressions));
    assertEquals(120, soak.duration.toSeconds());
    assertEquals(Path.of("reports/bench-soak.json"), soak.report);
    soak = parse(BenchCommand.Soak.class, "bench", "soak", "--items-per-second", "40");
    assertEquals(40.0, soak.items);
  }

  /** The command object {@code args} select, with its options set as picocli parsed them. */
  private <T> T parse(Class<T> type, String... args) {
    CommandLine cli =
        MocCli.commandLine(
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    CommandLine.ParseResult result = cli.parseArgs(args);
    while (result.hasSubcommand()) {
      result = result.subcommand();
    }
    return type.cast(result.commandSpec().userObject());
  }
}
