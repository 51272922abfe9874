package io.moc.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import io.moc.cluster.ClusterProcesses.Role;
import io.moc.common.JobConfig;
import io.moc.common.KafkaOptions;
import io.moc.local.Topics;
import io.moc.training.TrainingOptions;
import io.moc.util.Poll;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;

/**
 * A standalone Flink session cluster of separate JVMs on this machine, with ZooKeeper high
 * availability, a Kafka broker, both moc jobs and a supervisor that replaces a dead JobManager or
 * TaskManager as Kubernetes would. Every operation works through the processes and the REST API, as
 * an operator's would: nothing runs in this JVM that outlives a command.
 */
public final class StandaloneCluster {

  static final Duration STARTUP_TIMEOUT = Duration.ofMinutes(3);
  static final Duration SAVEPOINT_TIMEOUT = Duration.ofMinutes(3);

  private final ClusterSpec spec;
  private final ClusterProcesses processes;
  private final FlinkRest rest;
  private final PrintStream console;

  private StandaloneCluster(ClusterSpec spec, PrintStream console) {
    this.spec = spec;
    this.processes = new ClusterProcesses(spec);
    this.rest = new FlinkRest(spec.restUrl());
    this.console = console;
  }

  /** The cluster {@code up} started in {@code dir}. */
  public static StandaloneCluster attach(Path dir, PrintStream console) throws IOException {
    return new StandaloneCluster(ClusterSpec.read(dir), console);
  }

  public ClusterSpec spec() {
    return spec;
  }

  public ClusterProcesses processes() {
    return processes;
  }

  public FlinkRest rest() {
    return rest;
  }

  /**
   * Starts a fresh cluster in {@code spec.dir()} (what an earlier one left there is removed):
   * ZooKeeper, the broker and the topics, the JobManager, both TaskManagers, both jobs from the job
   * jar, then the supervisor (and the feed, if any). Returns once both jobs run.
   */
  public static StandaloneCluster up(ClusterSpec spec, PrintStream console) throws Exception {
    StandaloneCluster cluster = new StandaloneCluster(spec, console);
    for (Role role : Role.values()) {
      if (cluster.processes.alive(role)) {
        throw new IllegalStateException(
            "a cluster is running in " + spec.dir() + " (" + role.id + "); bin/moc cluster down");
      }
    }
    for (String dir :
        List.of(
            "kafka",
            "zookeeper",
            "ha",
            "checkpoints",
            "savepoints",
            "models",
            "jobs",
            "pids",
            "tmp",
            "jobmanager",
            "conf")) {
      deleteRecursively(spec.dir().resolve(dir));
    }
    Files.createDirectories(spec.logs());
    spec.write();
    try {
      cluster.start();
    } catch (Exception e) {
      console.println("Start-up failed; stopping what was started. Logs: " + spec.logs());
      cluster.down();
      throw e;
    }
    return cluster;
  }

  private void start() throws Exception {
    processes.writeConfigs();
    console.println("Starting ZooKeeper on localhost:" + spec.zookeeperPort() + " ...");
    processes.start(Role.ZOOKEEPER);
    awaitPort(spec.zookeeperPort(), Role.ZOOKEEPER);
    console.println("Starting Kafka broker (KRaft) on " + spec.bootstrapServers() + " ...");
    processes.startBroker();
    linkBrokerLog();
    writeJobConfigs();
    console.println("Starting the JobManager (dashboard " + spec.restUrl() + ") ...");
    processes.start(Role.JOBMANAGER);
    await("the REST API", () -> rest.reachable(), Role.JOBMANAGER);
    console.println("Starting TaskManagers: taskmanager-cpu, taskmanager-gpu (the GPU pool) ...");
    processes.start(Role.TASKMANAGER_CPU);
    processes.start(Role.TASKMANAGER_GPU);
    await("two TaskManagers", () -> rest.taskManagers().size() >= 2, Role.TASKMANAGER_GPU);
    Map<ClusterJob, String> jobs = new LinkedHashMap<>();
    String jar = rest.uploadJar(spec.jobJar());
    for (ClusterJob job : ClusterJob.values()) {
      jobs.put(job, submit(job, jar, null, -1));
    }
    for (Map.Entry<ClusterJob, String> job : jobs.entrySet()) {
      awaitRunning(job.getKey(), job.getValue());
    }
    processes.start(Role.SUPERVISOR);
    console.println(
        "Cluster up: dashboard "
            + spec.restUrl()
            + ", jobs "
            + jobs.values()
            + "; logs in "
            + spec.logs()
            + (spec.feed() == null ? "" : "; progress: bin/moc cluster status"));
  }

  /** The broker logs into its own folder; the cluster's logs are all in one. */
  private void linkBrokerLog() throws IOException {
    Path link = spec.logs().resolve("kafka.log");
    Files.deleteIfExists(link);
    Files.createSymbolicLink(link, spec.dir().resolve("kafka/broker.log"));
  }

  /**
   * Each job's options: config/cluster/&lt;job&gt;.yaml, the broker, its checkpoint folder, the
   * model store, the command line's -D options; the topics they name are created.
   */
  private void writeJobConfigs() throws Exception {
    for (ClusterJob job : ClusterJob.values()) {
      Map<String, String> values = new LinkedHashMap<>();
      Path file = spec.home().resolve("config/cluster/" + job.id + ".yaml");
      values.putAll(JobConfig.readYaml(new File(file.toString())));
      values.put(KafkaOptions.BOOTSTRAP_SERVERS.key(), spec.bootstrapServers());
      values.put(
          CheckpointingOptions.CHECKPOINTS_DIRECTORY.key(),
          spec.checkpoints(job).toUri().toString());
      values.put(
          TrainingOptions.MODEL_STORE.key(), spec.dir().resolve("models").toUri().toString());
      values.putAll(spec.jobOptions());
      Configuration config = JobConfig.withRuntimeDefaults(Configuration.fromMap(values));
      Topics.create(KafkaOptions.connection(config), Topics.definitions(config, 4));
      ClusterProcesses.writeFlat(spec.jobConfig(job), config.toMap());
    }
  }

  private String submit(ClusterJob job, String jarId, String savepoint, int parallelism)
      throws IOException {
    String id =
        rest.runJar(
            jarId,
            job.entryClass,
            List.of("--config", spec.jobConfig(job).toString()),
            parallelism,
            savepoint);
    console.println(
        "Submitted "
            + job.jobName
            + " ("
            + id
            + ")"
            + (savepoint == null ? "" : " from " + savepoint));
    return id;
  }

  /** The id of the job's current run: the newest that is not finished, cancelled or failed. */
  public Optional<String> jobId(ClusterJob job) throws IOException {
    for (FlinkRest.Job j : rest.jobs()) {
      if (j.name().equals(job.jobName)
          && !List.of("FINISHED", "CANCELED", "FAILED").contains(j.state())) {
        return Optional.of(j.id());
      }
    }
    return Optional.empty();
  }

  private String requireJob(ClusterJob job) throws IOException {
    return jobId(job).orElseThrow(() -> new IllegalStateException(job.jobName + " is not running"));
  }

  /** {@code bin/moc cluster submit}: uploads the job jar and starts {@code job}. */
  public String submit(ClusterJob job, String savepoint, int parallelism) throws Exception {
    if (jobId(job).isPresent()) {
      throw new IllegalStateException(job.jobName + " already runs; upgrade or scale it instead");
    }
    String id = submit(job, rest.uploadJar(spec.jobJar()), savepoint, parallelism);
    awaitRunning(job, id);
    return id;
  }

  /** {@code bin/moc cluster savepoint}: a savepoint of the running job, which keeps running. */
  public String savepoint(ClusterJob job) throws IOException {
    String path =
        rest.savepoint(requireJob(job), spec.savepoints().toUri().toString(), SAVEPOINT_TIMEOUT);
    console.println("Savepoint of " + job.jobName + ": " + path);
    return path;
  }

  /**
   * {@code bin/moc cluster upgrade}: stop-with-savepoint, then the job jar as built now, restored
   * from that savepoint (state that no operator claims by uid fails the submission).
   */
  public String upgrade(ClusterJob job) throws Exception {
    return restartFromSavepoint(job, -1);
  }

  /** {@code bin/moc cluster scale}: stop-with-savepoint, then the job at a new parallelism. */
  public String scale(ClusterJob job, int parallelism) throws Exception {
    if (parallelism < 1) {
      throw new IllegalArgumentException("parallelism must be >= 1");
    }
    return restartFromSavepoint(job, parallelism);
  }

  private String restartFromSavepoint(ClusterJob job, int parallelism) throws Exception {
    String old = requireJob(job);
    int current = parallelism > 0 ? parallelism : jobParallelism(old);
    String jar = rest.uploadJar(spec.jobJar());
    String savepoint =
        rest.stopWithSavepoint(old, spec.savepoints().toUri().toString(), SAVEPOINT_TIMEOUT);
    console.println("Stopped " + job.jobName + " (" + old + ") with savepoint " + savepoint);
    String id = submit(job, jar, savepoint, current);
    awaitRunning(job, id);
    return id;
  }

  /** The parallelism the job was submitted with. */
  private int jobParallelism(String jobId) throws IOException {
    return rest.get("/jobs/" + jobId + "/config")
        .path("execution-config")
        .path("job-parallelism")
        .asInt(1);
  }

  /** {@code bin/moc cluster status}: processes, TaskManagers, jobs, checkpoints, progress. */
  public void status() throws IOException {
    console.println("Cluster in " + spec.dir() + " (dashboard " + spec.restUrl() + ")");
    for (Role role : Role.values()) {
      Optional<ProcessHandle> p = processes.process(role);
      console.printf(
          "  %-16s %s%n", role.id, p.map(h -> "running, pid " + h.pid()).orElse("not running"));
    }
    if (!rest.reachable()) {
      console.println("  REST API not reachable");
      return;
    }
    for (JsonNode tm : rest.taskManagers()) {
      console.printf(
          "  TaskManager %-20s slots %d (free %d)%s%n",
          tm.path("id").asText(),
          tm.path("slotsNumber").asInt(),
          tm.path("freeSlots").asInt(),
          tm.path("totalResource").path("extendedResources").isEmpty()
              ? ""
              : ", " + tm.path("totalResource").path("extendedResources"));
    }
    for (ClusterJob job : ClusterJob.values()) {
      Optional<String> id = jobId(job);
      if (id.isEmpty()) {
        console.printf("  %-14s not running%n", job.jobName);
        continue;
      }
      JsonNode latest = rest.checkpoints(id.get()).path("latest").path("completed");
      console.printf(
          "  %-14s %s %s, last checkpoint %s%n",
          job.jobName,
          id.get(),
          rest.job(id.get()).path("state").asText(),
          latest.isMissingNode() || latest.isNull()
              ? "none yet"
              : "#"
                  + latest.path("id").asLong()
                  + " ("
                  + latest.path("end_to_end_duration").asLong()
                  + " ms, "
                  + latest.path("checkpointed_size").asLong()
                  + " bytes)");
    }
    Path progress = spec.logs().resolve("supervisor.out");
    if (Files.exists(progress)) {
      List<String> lines = Files.readAllLines(progress);
      for (int i = lines.size() - 1; i >= 0; i--) {
        if (lines.get(i).startsWith("[")) {
          console.println("  " + lines.get(i));
          break;
        }
      }
    }
  }

  /**
   * {@code bin/moc cluster down}: stops the supervisor first (it writes the feed's report and must
   * not replace what is stopped next), then the TaskManagers, the JobManager, the broker and
   * ZooKeeper, by their pid files: also after the launcher crashed.
   */
  public void down() throws Exception {
    Files.createDirectories(spec.dir());
    Files.writeString(spec.dir().resolve("stopping"), "");
    try {
      processes.stop(Role.SUPERVISOR, false, 90);
      for (Role role :
          List.of(
              Role.TASKMANAGER_GPU,
              Role.TASKMANAGER_CPU,
              Role.JOBMANAGER,
              Role.KAFKA,
              Role.ZOOKEEPER)) {
        processes.stop(role, false, 30);
      }
    } finally {
      Files.deleteIfExists(spec.dir().resolve("stopping"));
    }
    console.println("Cluster in " + spec.dir() + " stopped; logs kept in " + spec.logs());
  }

  /** Whether {@code down} is under way: the supervisor must not restart what it stops. */
  static boolean stopping(ClusterSpec spec) {
    return Files.exists(spec.dir().resolve("stopping"));
  }

  private void awaitRunning(ClusterJob job, String id) throws Exception {
    await(job.jobName + " running", () -> rest.fullyRunning(id), Role.JOBMANAGER);
  }

  private void await(String what, Poll.Condition check, Role process) throws Exception {
    try {
      Poll.until(
          what,
          STARTUP_TIMEOUT,
          check,
          () -> {
            if (!processes.alive(process)) {
              throw new IOException(process.id + " exited; see " + processes.log(process));
            }
          });
    } catch (TimeoutException e) {
      throw new IOException("no " + what + " after " + STARTUP_TIMEOUT + "; see " + spec.logs(), e);
    }
  }

  private void awaitPort(int port, Role process) throws Exception {
    await(
        process.id + " on port " + port,
        () -> {
          try (Socket s = new Socket("localhost", port)) {
            return true;
          } catch (IOException e) {
            return false;
          }
        },
        process);
  }

  private static void deleteRecursively(Path path) throws IOException {
    if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (var walk = Files.walk(path)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
