package io.moc.cli;

import io.moc.cluster.ClusterJob;
import io.moc.cluster.ClusterProcesses.Role;
import io.moc.cluster.ClusterSpec;
import io.moc.cluster.StandaloneCluster;
import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code bin/moc cluster <operation> [options]}. */
@Command(
    name = "cluster",
    description = {
      "The same on a real multi-process Flink cluster (JobManager, CPU and GPU TaskManagers,"
          + " ZooKeeper HA, broker).",
      "",
      "A real Flink 2.2.1 session cluster on this machine, each process its own JVM started from"
          + " the Maven class path (no Flink download): ZooKeeper (high availability), a Kafka"
          + " broker, a JobManager with the dashboard, a CPU TaskManager and a GPU-pool"
          + " TaskManager (external resource \"gpu\"; the embedding runs there), both jobs"
          + " submitted as the job jar over REST, and a supervisor that replaces a JobManager or"
          + " TaskManager that dies, as Kubernetes would. Flink configuration per role:"
          + " config/cluster/; everything else (logs, pid files, checkpoints, savepoints, models)"
          + " in .moc/cluster/. Every operation takes --cluster-dir DIR.",
      ""
    },
    subcommands = {
      ClusterCommand.Up.class,
      ClusterCommand.Submit.class,
      ClusterCommand.Status.class,
      ClusterCommand.Savepoint.class,
      ClusterCommand.Upgrade.class,
      ClusterCommand.Scale.class,
      ClusterCommand.Kill.class,
      ClusterCommand.Down.class
    })
final class ClusterCommand extends MocCommand {

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getOut());
    return 0;
  }

  /** The cluster an operation acts on. */
  static final class Dir {
    @Option(
        names = "--cluster-dir",
        paramLabel = "DIR",
        description = "The cluster's directory (default .moc/cluster).")
    Path dir;

    Path path() {
      return (dir != null ? dir : home().resolve(".moc/cluster")).toAbsolutePath().normalize();
    }
  }

  /** An operation on a cluster that is up. */
  abstract static class Operation extends MocCommand {
    @Mixin Dir dir;

    StandaloneCluster cluster() throws Exception {
      return StandaloneCluster.attach(dir.path(), out());
    }

    @Override
    public Integer call() throws Exception {
      run(cluster());
      return 0;
    }

    abstract void run(StandaloneCluster cluster) throws Exception;
  }

  /** An operation on one job or, without --job, on both. */
  abstract static class OnJobs extends Operation {
    @Option(names = "--job", paramLabel = "indexing|training", description = "Default: both.")
    String job;

    List<ClusterJob> jobs() {
      return job == null ? List.of(ClusterJob.values()) : List.of(ClusterJob.named(job));
    }
  }

  @Command(
      name = "up",
      description = {
        "Start the cluster and both jobs; returns once they run and leaves the cluster in the"
            + " background. The supervisor publishes the feed (options as for 'bin/moc local'),"
            + " writes its progress line to .moc/cluster/logs/supervisor.out and the report when"
            + " the feed ends or at 'down'."
      })
  static final class Up extends MocCommand {
    @Mixin Dir dir;
    @Mixin FeedOptions feed;

    @Option(names = "--no-feed", description = "Publish nothing (bring your own producer).")
    boolean noFeed;

    @Option(
        names = "--follow",
        description = "Stay and print the progress line until Ctrl-C (the cluster keeps running).")
    boolean follow;

    @Option(
        names = "-D",
        paramLabel = "key=value",
        description = "A job option of both jobs, over config/cluster/<job>.yaml.")
    Map<String, String> jobOptions = new LinkedHashMap<>();

    @Option(
        names = "--ui-port",
        paramLabel = "N",
        defaultValue = "8081",
        description = "Dashboard and REST port (default ${DEFAULT-VALUE}).")
    int uiPort;

    @Option(
        names = "--kafka-port",
        paramLabel = "N",
        defaultValue = "9092",
        description = "Broker port (default ${DEFAULT-VALUE}; controller N+1).")
    int kafkaPort;

    @Option(
        names = "--zookeeper-port",
        paramLabel = "N",
        defaultValue = "2181",
        description = "Default ${DEFAULT-VALUE}.")
    int zookeeperPort;

    @Option(
        names = "--prometheus-port",
        paramLabel = "N",
        defaultValue = "9249",
        description =
            "JobManager's metrics port (default ${DEFAULT-VALUE}); the CPU and GPU TaskManagers"
                + " take N+1 and N+2.")
    int prometheusPort;

    @Override
    public Integer call() throws Exception {
      ClusterSpec spec =
          new ClusterSpec(
              home().toAbsolutePath().normalize(),
              dir.path(),
              uiPort,
              kafkaPort,
              zookeeperPort,
              prometheusPort,
              jobOptions,
              noFeed ? null : feed.feed(false));
      StandaloneCluster.up(spec, out());
      if (follow) {
        follow(spec.logs().resolve("supervisor.out"));
      }
      return 0;
    }

    /** Prints what the supervisor appends to its output until this JVM is stopped. */
    private void follow(Path file) throws Exception {
      while (!Files.exists(file)) {
        Thread.sleep(200);
      }
      try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        while (true) {
          String line = reader.readLine();
          if (line == null) {
            Thread.sleep(500);
          } else {
            out().println(line);
          }
        }
      }
    }
  }

  @Command(name = "submit", description = "Upload the job jar and start a job that is not running.")
  static final class Submit extends Operation {
    @Option(names = "--job", required = true, paramLabel = "indexing|training")
    String job;

    @Option(names = "--from-savepoint", paramLabel = "PATH")
    String savepoint;

    @Option(
        names = "--parallelism",
        paramLabel = "N",
        defaultValue = "-1",
        description = "Default: the job's configured parallelism.")
    int parallelism;

    @Override
    void run(StandaloneCluster cluster) throws Exception {
      cluster.submit(ClusterJob.named(job), savepoint, parallelism);
    }
  }

  @Command(
      name = "status",
      description = "Processes, TaskManagers, jobs with their last checkpoint, the progress line.")
  static final class Status extends Operation {
    @Override
    void run(StandaloneCluster cluster) throws Exception {
      cluster.status();
    }
  }

  @Command(
      name = "savepoint",
      description = "Take a savepoint of a running job, which keeps running.")
  static final class Savepoint extends OnJobs {
    @Override
    void run(StandaloneCluster cluster) throws Exception {
      for (ClusterJob j : jobs()) {
        cluster.savepoint(j);
      }
    }
  }

  @Command(
      name = "upgrade",
      description =
          "Stop a job with a savepoint and start the job jar as built now from it (every piece"
              + " of state must map to an operator by uid). Rebuild first: mvn -B -DskipTests"
              + " package.")
  static final class Upgrade extends OnJobs {
    @Override
    void run(StandaloneCluster cluster) throws Exception {
      for (ClusterJob j : jobs()) {
        cluster.upgrade(j);
      }
    }
  }

  @Command(
      name = "scale",
      description = "Stop a job with a savepoint and start it again at another parallelism.")
  static final class Scale extends Operation {
    @Option(
        names = "--job",
        paramLabel = "indexing|training",
        defaultValue = "indexing",
        description = "Default ${DEFAULT-VALUE}.")
    String job;

    @Option(names = "--parallelism", required = true, paramLabel = "N")
    int parallelism;

    @Override
    void run(StandaloneCluster cluster) throws Exception {
      if (parallelism < 1) {
        throw new IllegalArgumentException("--parallelism N (N >= 1) is required");
      }
      cluster.scale(ClusterJob.named(job), parallelism);
    }
  }

  @Command(
      name = "kill",
      description =
          "Kill a process with SIGKILL, as a machine failure would (the supervisor starts a"
              + " replacement for the JobManager and TaskManagers).")
  static final class Kill extends Operation {
    @Option(
        names = "--process",
        required = true,
        paramLabel = "jobmanager|taskmanager-cpu|taskmanager-gpu|kafka|zookeeper")
    String process;

    @Override
    void run(StandaloneCluster cluster) throws Exception {
      Role role = Role.named(process);
      cluster.processes().stop(role, true, 30);
      out().println("Killed " + role.id + " (SIGKILL)");
    }
  }

  @Command(
      name = "down",
      description =
          "Stop every process this cluster started (by pid file; also after the launcher"
              + " crashed). Logs stay in .moc/cluster/logs/.")
  static final class Down extends Operation {
    @Override
    void run(StandaloneCluster cluster) throws Exception {
      cluster.down();
    }
  }
}
