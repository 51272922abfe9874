package io.moc.cli;

import io.moc.audit.Audit;
import io.moc.common.KafkaOptions;
import io.moc.kafka.KafkaConnection;
import io.moc.report.JsonReport;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bin/moc audit}: reconciles the topics of a running or stopped deployment and exits
 * non-zero when a record is unaccounted for.
 */
@Command(
    name = "audit",
    description = {
      "Reconcile a deployment's topics: every item coded, superseded, deleted or dead-lettered,"
          + " every impression trained or dead-lettered; exits 1 when a record is unaccounted"
          + " for.",
      "",
      "Reads the deployment's topics to their current ends and accounts for every input record:"
          + " items coded (codes of the key from that event time or later), superseded by a later"
          + " update, deleted, or dead-lettered with a reason; impressions trained (the newest"
          + " model snapshot's impressions_trained) or dead-lettered; codebook versions accepted"
          + " or rejected; versions published twice. Exits 0 when everything is accounted for, 1"
          + " otherwise.",
      ""
    })
final class AuditCommand extends MocCommand {

  @Mixin JobOptions.WithFile jobOptions;

  @Option(
      names = "--bootstrap-servers",
      paramLabel = "H:P",
      description = "The Kafka cluster (default: the configuration's).")
  String bootstrap;

  @Option(
      names = "--wait",
      paramLabel = "D",
      defaultValue = "0s",
      description =
          "Audit again until everything is accounted for or D has passed (records of a running"
              + " deployment are in flight for seconds).")
  Duration wait;

  @Option(names = "--report", paramLabel = "FILE", description = "Also write the result as JSON.")
  Path report;

  @Override
  public Integer call() throws Exception {
    Configuration conf = jobOptions.configuration();
    KafkaConnection kafka = KafkaOptions.connection(conf);
    if (bootstrap != null) {
      kafka = kafka.withBootstrapServers(bootstrap);
    }
    Audit.Result result =
        new Audit(kafka, Audit.Topics.of(conf)).runUntilAccounted(wait.toMillis());
    out().print(result.table());
    if (report != null) {
      out().println("Report written to " + JsonReport.write(report, result.toJson()));
    }
    return result.accountsForEverything() ? 0 : 1;
  }
}
