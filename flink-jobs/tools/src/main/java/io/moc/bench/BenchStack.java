package io.moc.bench;

import io.moc.local.BrokerWatchdog;
import io.moc.local.Feed;
import io.moc.local.LocalStack;
import java.nio.file.Path;
import org.apache.flink.configuration.Configuration;

/**
 * Where a benchmark that runs the whole local stack (broker JVM, cluster, both jobs, the feed) runs
 * it: its folder, its ports and the jobs' configuration, one slot per job.
 */
public record BenchStack(Path workDir, int kafkaPort, int uiPort, Configuration jobConfig) {

  /** The same stack in another folder, so that one benchmark's runs keep apart. */
  public BenchStack in(Path folder) {
    return new BenchStack(folder, kafkaPort, uiPort, jobConfig);
  }

  /** The same stack with the jobs configured otherwise. */
  public BenchStack with(Configuration config) {
    return new BenchStack(workDir, kafkaPort, uiPort, config);
  }

  /** The local stack's options for one run fed by {@code feed}. */
  public LocalStack.Options options(Feed.Options feed, BrokerWatchdog.OnLoss onBrokerLoss) {
    return new LocalStack.Options(workDir, kafkaPort, uiPort, 1, jobConfig, feed, onBrokerLoss);
  }
}
