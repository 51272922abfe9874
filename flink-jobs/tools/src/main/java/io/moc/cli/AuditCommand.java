package io.moc.cli;

import io.moc.audit.Audit;
import io.moc.common.JobConfig;
import io.moc.common.KafkaOptions;
import io.moc.kafka.KafkaConnection;
import io.moc.local.JsonReport;
import java.io.File;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.util.TimeUtils;

/**
 * {@code bin/moc audit}: reconciles the topics of a running or stopped deployment and exits
 * non-zero when a record is unaccounted for.
 */
final class AuditCommand {

  static final String USAGE =
      """
      Usage: bin/moc audit [options]

      Reads the deployment's topics to their current ends and accounts for every input record:
      items coded (codes of the key from that event time or later), superseded by a later
      update, deleted, or dead-lettered with a reason; impressions trained (the newest model
      snapshot's impressions_trained) or dead-lettered; codebook versions accepted or rejected;
      versions published twice. Exits 0 when everything is accounted for, 1 otherwise.

        --config FILE              Job options in YAML, for topic names and the broker (default
                                   config/local.yaml when present).
        -Dkey=value                Set one option, e.g. -Dmoc.kafka.bootstrap-servers=host:9092.
        --bootstrap-servers H:P    The Kafka cluster (default: the configuration's).
        --wait D                   Audit again until everything is accounted for or D has passed
                                   (records of a running deployment are in flight for seconds).
        --report FILE              Also write the result as JSON.
      """;

  private AuditCommand() {}

  static int run(Deque<String> args, PrintStream out) throws Exception {
    Path home = Path.of(System.getProperty("moc.home", "."));
    Path config = home.resolve("config/local.yaml");
    boolean configGiven = false;
    Map<String, String> overrides = new LinkedHashMap<>();
    String bootstrap = null;
    Duration wait = Duration.ZERO;
    Path report = null;
    while (!args.isEmpty()) {
      String arg = args.pop();
      if (arg.startsWith("-D") && arg.contains("=")) {
        overrides.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
        continue;
      }
      switch (arg) {
        case "--help", "-h" -> {
          out.print(USAGE);
          return 0;
        }
        case "--config" -> {
          config = Path.of(value(arg, args));
          configGiven = true;
        }
        case "--bootstrap-servers" -> bootstrap = value(arg, args);
        case "--wait" -> wait = TimeUtils.parseDuration(value(arg, args));
        case "--report" -> report = Path.of(value(arg, args));
        default ->
            throw new IllegalArgumentException(
                "unknown option " + arg + " (see bin/moc audit --help)");
      }
    }
    if (configGiven && !Files.isRegularFile(config)) {
      throw new IllegalArgumentException("--config " + config + " does not exist");
    }
    Map<String, String> values = new LinkedHashMap<>();
    if (Files.isRegularFile(config)) {
      values.putAll(JobConfig.readYaml(new File(config.toString())));
    }
    values.putAll(overrides);
    Configuration conf = Configuration.fromMap(values);
    KafkaConnection kafka = KafkaOptions.connection(conf);
    if (bootstrap != null) {
      kafka = kafka.withBootstrapServers(bootstrap);
    }
    Audit.Result result =
        new Audit(kafka, Audit.Topics.of(conf)).runUntilAccounted(wait.toMillis());
    out.print(result.table());
    if (report != null) {
      out.println("Report written to " + JsonReport.write(report, result.toJson()));
    }
    return result.accountsForEverything() ? 0 : 1;
  }

  private static String value(String option, Deque<String> args) {
    if (args.isEmpty()) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return args.pop();
  }
}
