package io.moc.cli;

import io.moc.local.BrokerWatchdog;
import io.moc.local.LocalStack;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code bin/moc local}: the whole system on this machine, fed until Ctrl-C or --duration. */
@Command(
    name = "local",
    description = {
      "Start a Kafka broker, a Flink MiniCluster with the dashboard, the indexing job and the CTR"
          + " training job, and feed them the built-in synthetic catalog or a real dataset."
    })
final class LocalCommand extends MocCommand {

  @Mixin FeedOptions feed;

  @Mixin JobOptions.WithFile jobOptions;

  @Option(
      names = "--compare-offline",
      description =
          "With --data: after the drained replay, score the last snapshot trained before the test"
              + " period (80/10/10 by time, as evaluate splits) on the test period's impressions,"
              + " next to the same network trained offline on the same codes and impressions;"
              + " printed and in the report under offline_comparison.")
  boolean compareOffline;

  @Option(
      names = "--kafka-port",
      paramLabel = "N",
      defaultValue = "9092",
      description = "Broker port (default ${DEFAULT-VALUE}; the controller uses N+1).")
  int kafkaPort;

  @Option(
      names = "--ui-port",
      paramLabel = "N",
      defaultValue = "8081",
      description = "Flink dashboard port (default ${DEFAULT-VALUE}).")
  int uiPort;

  @Option(
      names = "--parallelism",
      paramLabel = "N",
      defaultValue = "1",
      description = "Job parallelism (default ${DEFAULT-VALUE}).")
  int parallelism;

  @Option(
      names = "--work-dir",
      paramLabel = "DIR",
      description = "Broker data, checkpoints, model artifacts (default .moc/local).")
  Path workDir;

  @Option(
      names = "--on-broker-loss",
      paramLabel = "restart|fail",
      defaultValue = "restart",
      converter = OnLossConverter.class,
      description =
          "When the broker JVM dies: start it again on the same port and data, the jobs and the"
              + " feed reconnect (default); or stop the run, write the error to the report and"
              + " exit with 1.")
  BrokerWatchdog.OnLoss onBrokerLoss;

  static final class OnLossConverter
      implements picocli.CommandLine.ITypeConverter<BrokerWatchdog.OnLoss> {
    @Override
    public BrokerWatchdog.OnLoss convert(String value) {
      return BrokerWatchdog.OnLoss.parse(value);
    }
  }

  /** What the options say to run. */
  LocalStack.Options options() throws Exception {
    return new LocalStack.Options(
        workDir != null ? workDir : home().resolve(".moc/local"),
        kafkaPort,
        uiPort,
        parallelism,
        jobOptions.configuration(),
        feed.feed(compareOffline),
        onBrokerLoss);
  }

  @Override
  public Integer call() throws Exception {
    return new LocalStack(options(), out()).run();
  }
}
