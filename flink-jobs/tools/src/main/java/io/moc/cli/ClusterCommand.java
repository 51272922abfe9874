package io.moc.cli;

import io.moc.cluster.ClusterJob;
import io.moc.cluster.ClusterProcesses.Role;
import io.moc.cluster.ClusterSpec;
import io.moc.cluster.StandaloneCluster;
import io.moc.local.LocalStack;
import java.io.BufferedReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code bin/moc cluster <operation> [options]}. */
final class ClusterCommand {

  static final String USAGE =
      """
      Usage: bin/moc cluster <operation> [options]

      A real Flink 2.2.1 session cluster on this machine, each process its own JVM started from the
      Maven class path (no Flink download): ZooKeeper (high availability), a Kafka broker, a
      JobManager with the dashboard, a CPU TaskManager and a GPU-pool TaskManager (external
      resource "gpu"; the embedding runs there), both jobs submitted as the job jar over REST, and a
      supervisor that replaces a JobManager or TaskManager that dies, as Kubernetes would. Flink
      configuration per role: config/cluster/; everything else (logs, pid files, checkpoints,
      savepoints, models) in .moc/cluster/.

      Operations:
        up        Start the cluster and both jobs; returns once they run and leaves the cluster in
                  the background. Feed options as for 'bin/moc local' (--data DIR, --speedup X,
                  --max-gap MS, --items-per-second N, --impressions-per-second N, --users N,
                  --seed N, --duration D, --drain, --report FILE); the supervisor publishes the feed
                  and writes its progress line to .moc/cluster/logs/supervisor.out and the report
                  when the feed ends or at 'down'. Also:
                    --no-feed            publish nothing (bring your own producer)
                    --follow             stay and print the progress line until Ctrl-C (the cluster
                                         keeps running)
                    -Dkey=value          a job option of both jobs, over config/cluster/<job>.yaml
                    --ui-port N          dashboard and REST port (default 8081)
                    --kafka-port N       broker port (default 9092; controller N+1)
                    --zookeeper-port N   default 2181
                    --prometheus-port N  JobManager's metrics port (default 9249); the CPU and GPU
                                         TaskManagers take N+1 and N+2
        submit    Upload the job jar and start a job that is not running:
                    --job indexing|training [--from-savepoint PATH] [--parallelism N]
        status    Processes, TaskManagers, jobs with their last checkpoint, the progress line.
        savepoint Take a savepoint of a running job, which keeps running: --job indexing|training
                  (default both).
        upgrade   Stop a job with a savepoint and start the job jar as built now from it (every
                  piece of state must map to an operator by uid): --job indexing|training (default
                  both). Rebuild first: mvn -B -DskipTests package.
        scale     Stop a job with a savepoint and start it again at another parallelism:
                    --job indexing|training (default indexing) --parallelism N
        kill      Kill a process with SIGKILL, as a machine failure would (the supervisor starts a
                  replacement for the JobManager and TaskManagers):
                    --process jobmanager|taskmanager-cpu|taskmanager-gpu|kafka|zookeeper
        down      Stop every process this cluster started (by pid file; also after the launcher
                  crashed). Logs stay in .moc/cluster/logs/.

      Every operation takes --cluster-dir DIR (default .moc/cluster).
      """;

  private ClusterCommand() {}

  static void run(Deque<String> args, PrintStream out) throws Exception {
    String op = args.isEmpty() ? "--help" : args.pop();
    if (List.of("--help", "-h", "help").contains(op)) {
      out.print(USAGE);
      return;
    }
    Path home = Path.of(System.getProperty("moc.home", ".")).toAbsolutePath().normalize();
    Path dir = home.resolve(".moc/cluster");
    Deque<String> rest = new ArrayDeque<>();
    String job = null;
    String savepoint = null;
    String process = null;
    int parallelism = -1;
    int uiPort = 8081;
    int kafkaPort = 9092;
    int zookeeperPort = 2181;
    int prometheusPort = 9249;
    boolean feed = true;
    boolean follow = false;
    Map<String, String> jobOptions = new LinkedHashMap<>();
    while (!args.isEmpty()) {
      String arg = args.pop();
      switch (arg) {
        case "--cluster-dir" -> dir = Path.of(value(arg, args)).toAbsolutePath();
        case "--job" -> job = value(arg, args);
        case "--from-savepoint" -> savepoint = value(arg, args);
        case "--process" -> process = value(arg, args);
        case "--parallelism" -> parallelism = Integer.parseInt(value(arg, args));
        case "--ui-port" -> uiPort = Integer.parseInt(value(arg, args));
        case "--kafka-port" -> kafkaPort = Integer.parseInt(value(arg, args));
        case "--zookeeper-port" -> zookeeperPort = Integer.parseInt(value(arg, args));
        case "--prometheus-port" -> prometheusPort = Integer.parseInt(value(arg, args));
        case "--no-feed" -> feed = false;
        case "--follow" -> follow = true;
        case "--config", "--work-dir", "--compare-offline" ->
            throw new IllegalArgumentException(
                arg + " is not an option of bin/moc cluster (job options: config/cluster/)");
        default -> {
          if (arg.startsWith("-D") && arg.contains("=")) {
            int eq = arg.indexOf('=');
            jobOptions.put(arg.substring(2, eq), arg.substring(eq + 1));
          } else {
            rest.add(arg);
          }
        }
      }
    }
    if (!op.equals("up") && !rest.isEmpty()) {
      throw new IllegalArgumentException("unknown option " + rest.peek() + " of cluster " + op);
    }
    switch (op) {
      case "up" -> {
        // The feed takes the options of bin/moc local; its job options are not used here.
        LocalStack.Options local = MocCli.localOptions(rest);
        ClusterSpec spec =
            new ClusterSpec(
                home,
                dir,
                uiPort,
                kafkaPort,
                zookeeperPort,
                prometheusPort,
                jobOptions,
                feed ? local.feed() : null);
        StandaloneCluster.up(spec, out);
        if (follow) {
          follow(spec.logs().resolve("supervisor.out"), out);
        }
      }
      case "submit" ->
          cluster(dir, out).submit(ClusterJob.named(require(job, "--job")), savepoint, parallelism);
      case "status" -> cluster(dir, out).status();
      case "savepoint" -> {
        StandaloneCluster cluster = cluster(dir, out);
        for (ClusterJob j : jobs(job)) {
          cluster.savepoint(j);
        }
      }
      case "upgrade" -> {
        StandaloneCluster cluster = cluster(dir, out);
        for (ClusterJob j : jobs(job)) {
          cluster.upgrade(j);
        }
      }
      case "scale" ->
          cluster(dir, out)
              .scale(
                  ClusterJob.named(job == null ? "indexing" : job), requirePositive(parallelism));
      case "kill" -> {
        Role role = Role.named(require(process, "--process"));
        cluster(dir, out).processes().stop(role, true, 30);
        out.println("Killed " + role.id + " (SIGKILL)");
      }
      case "down" -> cluster(dir, out).down();
      default -> throw new IllegalArgumentException("unknown operation " + op + "\n" + USAGE);
    }
  }

  private static StandaloneCluster cluster(Path dir, PrintStream out) throws Exception {
    return StandaloneCluster.attach(dir, out);
  }

  private static List<ClusterJob> jobs(String job) {
    return job == null ? List.of(ClusterJob.values()) : List.of(ClusterJob.named(job));
  }

  private static String require(String value, String option) {
    if (value == null) {
      throw new IllegalArgumentException(option + " is required");
    }
    return value;
  }

  private static int requirePositive(int parallelism) {
    if (parallelism < 1) {
      throw new IllegalArgumentException("--parallelism N (N >= 1) is required");
    }
    return parallelism;
  }

  /** Prints what the supervisor appends to its output until this JVM is stopped. */
  private static void follow(Path file, PrintStream out) throws Exception {
    while (!Files.exists(file)) {
      Thread.sleep(200);
    }
    try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      while (true) {
        String line = reader.readLine();
        if (line == null) {
          Thread.sleep(500);
        } else {
          out.println(line);
        }
      }
    }
  }

  private static String value(String option, Deque<String> args) {
    if (args.isEmpty()) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return args.pop();
  }
}
