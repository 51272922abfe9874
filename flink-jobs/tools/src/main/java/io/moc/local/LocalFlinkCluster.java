package io.moc.local;

import io.moc.training.TrainingJob;
import io.moc.training.TrainingOptions;
import io.moc.util.Poll;
import java.time.Duration;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;

/**
 * A Flink MiniCluster with the web dashboard that several jobs can be submitted to, unlike the
 * per-job cluster of a local environment.
 */
public final class LocalFlinkCluster implements AutoCloseable {

  private final MiniCluster cluster;
  private boolean closed;

  private LocalFlinkCluster(MiniCluster cluster) {
    this.cluster = cluster;
  }

  /**
   * @param uiPort dashboard and REST port; 0 picks a free one
   */
  public static LocalFlinkCluster start(int slots, int uiPort) throws Exception {
    Configuration c = new Configuration();
    c.set(RestOptions.PORT, uiPort);
    c.set(RestOptions.ADDRESS, "localhost");
    c.set(RestOptions.BIND_ADDRESS, "localhost");
    c.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.parse("256m"));
    MiniCluster cluster =
        new MiniCluster(
            new MiniClusterConfiguration.Builder()
                .setConfiguration(c)
                .setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(slots)
                .build());
    cluster.start();
    return new LocalFlinkCluster(cluster);
  }

  public String dashboardUrl() throws Exception {
    return "http://localhost:" + cluster.getRestAddress().get().getPort();
  }

  /** Submits what {@code env} holds as one job and returns without waiting for it. */
  public JobID submit(StreamExecutionEnvironment env, String jobName) throws Exception {
    StreamGraph graph = env.getStreamGraph();
    graph.setJobName(jobName);
    return cluster.submitJob(graph.getJobGraph()).get().getJobID();
  }

  /** Submits the CTR training job that {@code config} describes, on its Kafka topics. */
  public JobID submitTraining(Configuration config, int parallelism, String jobName)
      throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
    env.setParallelism(parallelism);
    TrainingJob.buildWithKafka(env, TrainingOptions.read(config));
    return submit(env, jobName);
  }

  public org.apache.flink.api.common.JobStatus status(JobID job) throws Exception {
    return cluster.getJobStatus(job).get();
  }

  /** Whether {@code job} has ever been restarting since it was submitted. */
  public boolean everRestarted(JobID job) throws Exception {
    return cluster
            .getExecutionGraph(job)
            .get()
            .getStatusTimestamp(org.apache.flink.api.common.JobStatus.RESTARTING)
        > 0;
  }

  /** Checkpoints of {@code job} completed so far. */
  public long completedCheckpoints(JobID job) throws Exception {
    var stats = cluster.getExecutionGraph(job).get().getCheckpointStatsSnapshot();
    return stats == null ? 0 : stats.getCounts().getNumberOfCompletedCheckpoints();
  }

  /** Returns once {@code job} has completed more than {@code count} checkpoints. */
  public void awaitCheckpointsBeyond(JobID job, long count, Duration timeout) throws Exception {
    Poll.until(
        "a checkpoint of " + job + " beyond " + count,
        timeout,
        () -> completedCheckpoints(job) > count);
  }

  /**
   * A checkpoint as the dashboard shows it.
   *
   * @param stateSize the full state the checkpoint restores
   * @param checkpointedSize what this checkpoint wrote (less than the full state when incremental)
   */
  public record Checkpoint(
      long id,
      long triggeredAt,
      long durationMs,
      long stateSize,
      long checkpointedSize,
      String status) {}

  /** The recent checkpoints of {@code job} (the history the dashboard keeps, newest first). */
  public java.util.List<Checkpoint> recentCheckpoints(JobID job) throws Exception {
    var stats = cluster.getExecutionGraph(job).get().getCheckpointStatsSnapshot();
    if (stats == null) {
      return java.util.List.of();
    }
    return stats.getHistory().getCheckpoints().stream()
        .map(
            c ->
                new Checkpoint(
                    c.getCheckpointId(),
                    c.getTriggerTimestamp(),
                    c.getEndToEndDuration(),
                    c.getStateSize(),
                    c.getCheckpointedSize(),
                    c.getStatus().name()))
        .toList();
  }

  /**
   * Kills the TaskManager, as a machine failure would, and starts a fresh one: running jobs fail
   * over and restore from their last checkpoint.
   */
  public void replaceTaskManager() throws Exception {
    cluster.terminateTaskManager(0).get();
    cluster.startTaskManager();
  }

  public void cancel(JobID job) throws Exception {
    cluster.cancelJob(job).get();
  }

  /** Stops the cluster; closing it again does nothing. */
  @Override
  public synchronized void close() throws Exception {
    if (!closed) {
      closed = true;
      cluster.close();
    }
  }
}
