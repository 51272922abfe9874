package io.moc.cluster;

import io.moc.cluster.ClusterProcesses.Role;
import io.moc.common.JobConfig;
import io.moc.common.KafkaOptions;
import io.moc.indexing.IndexingOptions;
import io.moc.local.Feed;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.configuration.Configuration;

/**
 * The cluster's background process, started by {@code up}: it does what Kubernetes does for a
 * Deployment, starting a new JobManager or TaskManager when one dies, and runs the feed with its
 * progress line (in {@code logs/supervisor.out}) and report. {@code down} stops it first, with
 * SIGTERM: the feed then ends and writes its report.
 */
public final class ClusterSupervisor {

  private ClusterSupervisor() {}

  public static void main(String[] args) throws Exception {
    ClusterSpec spec = ClusterSpec.read(Path.of(args[0]));
    ClusterProcesses processes = new ClusterProcesses(spec);
    AtomicBoolean stop = new AtomicBoolean();
    // The feed sets its own flag when it ends; supervision goes on until down.
    AtomicBoolean stopFeed = new AtomicBoolean();
    CountDownLatch finished = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  stopFeed.set(true);
                  stop.set(true);
                  try {
                    finished.await(80, TimeUnit.SECONDS);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                },
                "moc-supervisor-shutdown"));
    Thread watchdog = new Thread(() -> watch(spec, processes, stop), "moc-supervisor-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
    try {
      if (spec.feed() != null) {
        Configuration jobConfig =
            JobConfig.load(
                new String[] {"--config", spec.jobConfig(ClusterJob.INDEXING).toString()});
        new Feed(spec.feed(), System.out)
            .run(
                KafkaOptions.connection(jobConfig).withBootstrapServers(spec.bootstrapServers()),
                jobConfig,
                IndexingOptions.read(jobConfig),
                Feed.Health.NONE,
                stopFeed);
        System.out.println(
            "The feed is over; the cluster keeps running until bin/moc cluster down.");
      }
      while (!stop.get()) {
        Thread.sleep(500);
      }
    } finally {
      finished.countDown();
    }
  }

  private static void watch(ClusterSpec spec, ClusterProcesses processes, AtomicBoolean stop) {
    List<Role> supervised = List.of(Role.JOBMANAGER, Role.TASKMANAGER_CPU, Role.TASKMANAGER_GPU);
    while (!stop.get()) {
      try {
        for (Role role : supervised) {
          if (!StandaloneCluster.stopping(spec) && !processes.alive(role)) {
            int incarnation = processes.start(role);
            System.out.println(
                Instant.now()
                    + " "
                    + role.id
                    + " was gone; started a replacement ("
                    + role.id
                    + (role.isTaskManager() ? "-" + incarnation : "")
                    + ", pid "
                    + processes.process(role).map(ProcessHandle::pid).orElse(-1L)
                    + ")");
          }
        }
        Thread.sleep(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (Exception e) {
        System.out.println(Instant.now() + " supervisor: " + e);
      }
    }
  }
}
