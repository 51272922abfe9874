package io.moc.local;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.flink.configuration.Configuration;

/**
 * What {@code bin/moc local} and every benchmark run the jobs on: a broker JVM in {@code
 * <work>/kafka} (controller on the next port), job options pointed at it with checkpoints in {@code
 * <work>/checkpoints} and the topics created, and a MiniCluster once asked for. Closing it stops
 * both, the cluster first.
 */
public final class LocalRuntime implements AutoCloseable {

  private static final Duration BROKER_START = Duration.ofSeconds(90);

  private final KafkaBrokerProcess broker;
  private final Configuration jobConfig;
  private LocalFlinkCluster flink;

  private LocalRuntime(KafkaBrokerProcess broker, Configuration jobConfig) {
    this.broker = broker;
    this.jobConfig = jobConfig;
  }

  /** Starts the broker on {@code kafkaPort} and prepares {@code options} for it. */
  public static LocalRuntime start(Path workDir, int kafkaPort, Configuration options)
      throws Exception {
    Files.createDirectories(workDir.resolve("kafka"));
    KafkaBrokerProcess broker =
        KafkaBrokerProcess.start(workDir.resolve("kafka"), kafkaPort, kafkaPort + 1, BROKER_START);
    try {
      return new LocalRuntime(broker, broker.jobConfig(options, workDir.resolve("checkpoints")));
    } catch (Exception e) {
      broker.close();
      throw e;
    }
  }

  public KafkaBrokerProcess broker() {
    return broker;
  }

  public String bootstrapServers() {
    return broker.bootstrapServers();
  }

  /** The options the jobs run with: the broker, the checkpoint directory, the runtime defaults. */
  public Configuration jobConfig() {
    return new Configuration(jobConfig);
  }

  /**
   * Starts the MiniCluster the jobs are submitted to (once).
   *
   * @param uiPort dashboard port; 0 picks a free one
   */
  public LocalFlinkCluster startFlink(int slots, int uiPort) throws Exception {
    if (flink != null) {
      throw new IllegalStateException("the MiniCluster is already running");
    }
    flink = LocalFlinkCluster.start(slots, uiPort);
    return flink;
  }

  @Override
  public void close() throws Exception {
    try {
      if (flink != null) {
        flink.close();
      }
    } finally {
      broker.close();
    }
  }
}
