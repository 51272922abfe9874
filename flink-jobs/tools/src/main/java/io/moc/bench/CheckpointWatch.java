package io.moc.bench;

import io.moc.local.LocalFlinkCluster;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import org.apache.flink.api.common.JobID;

/**
 * Every checkpoint of a job while it runs: the dashboard keeps only the recent ones, so a benchmark
 * that wants all of a long phase polls them on a thread of its own.
 */
final class CheckpointWatch implements AutoCloseable {

  private final Map<Long, LocalFlinkCluster.Checkpoint> seen = new ConcurrentSkipListMap<>();
  private final Thread thread;

  private CheckpointWatch(LocalFlinkCluster cluster, JobID job) {
    thread =
        new Thread(
            () -> {
              while (!Thread.currentThread().isInterrupted()) {
                try {
                  for (LocalFlinkCluster.Checkpoint c : cluster.recentCheckpoints(job)) {
                    seen.put(c.id(), c);
                  }
                  Thread.sleep(200);
                } catch (InterruptedException e) {
                  return;
                } catch (Exception retry) {
                  // The job may be between states; the next poll sees it.
                }
              }
            },
            "bench-checkpoints");
    thread.setDaemon(true);
  }

  static CheckpointWatch start(LocalFlinkCluster cluster, JobID job) {
    CheckpointWatch watch = new CheckpointWatch(cluster, job);
    watch.thread.start();
    return watch;
  }

  /** The completed checkpoints triggered in [from, to] (epoch ms), oldest first. */
  List<LocalFlinkCluster.Checkpoint> completed(long from, long to) {
    return seen.values().stream()
        .filter(c -> c.status().equals("COMPLETED"))
        .filter(c -> c.triggeredAt() >= from && c.triggeredAt() <= to)
        .toList();
  }

  /** The newest completed checkpoint, or null before the first. */
  LocalFlinkCluster.Checkpoint newestCompleted() {
    return completed(0, Long.MAX_VALUE).stream().reduce((a, b) -> b).orElse(null);
  }

  long failed() {
    return seen.values().stream().filter(c -> c.status().equals("FAILED")).count();
  }

  @Override
  public void close() {
    thread.interrupt();
  }
}
