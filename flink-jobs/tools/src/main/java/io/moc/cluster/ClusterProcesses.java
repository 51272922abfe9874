package io.moc.cluster;

import io.moc.common.JobConfig;
import io.moc.local.KafkaBrokerProcess;
import java.io.File;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * Starts, finds and stops the processes of one cluster. Each runs in its own JVM and session, its
 * pid in {@code pids/<role>.pid}, its log in {@code logs/}, and a marker on its command line
 * ({@code -Dmoc.cluster.process=<role>@<dir>}) so that {@code down} stops exactly the processes
 * this cluster started, also when the pid file is stale and the pid was reused.
 */
public final class ClusterProcesses {

  /** The processes of a cluster. */
  public enum Role {
    ZOOKEEPER("zookeeper"),
    KAFKA("kafka"),
    JOBMANAGER("jobmanager"),
    TASKMANAGER_CPU("taskmanager-cpu"),
    TASKMANAGER_GPU("taskmanager-gpu"),
    SUPERVISOR("supervisor");

    public final String id;

    Role(String id) {
      this.id = id;
    }

    public boolean isTaskManager() {
      return this == TASKMANAGER_CPU || this == TASKMANAGER_GPU;
    }

    /** The Flink processes, which the supervisor restarts when they die. */
    public boolean isFlink() {
      return this == JOBMANAGER || isTaskManager();
    }

    public static Role named(String id) {
      return Arrays.stream(values())
          .filter(r -> r.id.equals(id))
          .findFirst()
          .orElseThrow(() -> new IllegalArgumentException("no process '" + id + "'"));
    }
  }

  private static final String MARKER = "-Dmoc.cluster.process=";
  private static final String BASH_JAVA_UTILS_PREFIX = "BASH_JAVA_UTILS_EXEC_RESULT:";

  private final ClusterSpec spec;

  public ClusterProcesses(ClusterSpec spec) {
    this.spec = spec;
  }

  private Path conf(Role role) {
    return spec.dir().resolve("conf").resolve(role.id);
  }

  private Path pidFile(Role role) {
    return spec.pids().resolve(role.id + ".pid");
  }

  private String marker(Role role) {
    return MARKER + role.id + "@" + spec.dir();
  }

  private int prometheusPort(Role role) {
    return spec.prometheusPort()
        + switch (role) {
          case TASKMANAGER_CPU -> 1;
          case TASKMANAGER_GPU -> 2;
          default -> 0;
        };
  }

  /**
   * Writes {@code conf/<role>/config.yaml} for the JobManager and both TaskManagers
   * (config/cluster/common.yaml, then the role's own file, then this run's ports and folders), the
   * ZooKeeper configuration, and puts the GPU plugin where the TaskManagers look for plugins.
   */
  void writeConfigs() throws Exception {
    for (Role role : List.of(Role.JOBMANAGER, Role.TASKMANAGER_CPU, Role.TASKMANAGER_GPU)) {
      Map<String, String> config = new LinkedHashMap<>();
      config.putAll(yaml(spec.home().resolve("config/cluster/common.yaml")));
      config.putAll(yaml(spec.home().resolve("config/cluster/" + role.id + ".yaml")));
      config.put("rest.port", Integer.toString(spec.restPort()));
      config.put("high-availability.zookeeper.quorum", "localhost:" + spec.zookeeperPort());
      config.put("high-availability.storageDir", spec.dir().resolve("ha").toUri().toString());
      config.put("execution.checkpointing.savepoint-dir", spec.savepoints().toUri().toString());
      config.put("metrics.reporter.prom.port", Integer.toString(prometheusPort(role)));
      Path tmp = spec.dir().resolve("tmp").resolve(role.id);
      Files.createDirectories(tmp);
      config.put("io.tmp.dirs", tmp.toString());
      // RocksDB would write its own LOG files next to the process logs otherwise.
      Files.createDirectories(tmp.resolve("rocksdb-logs"));
      config.put("state.backend.rocksdb.log.dir", tmp.resolve("rocksdb-logs").toString());
      if (role == Role.JOBMANAGER) {
        config.put("web.upload.dir", spec.dir().resolve("jobmanager/web-upload").toString());
      }
      writeFlat(conf(role).resolve("config.yaml"), config);
      // Computed once: a replacement TaskManager must not wait for another JVM to compute them.
      Files.write(resourceParamsFile(role), resourceParams(role, role.isTaskManager()));
    }
    Properties zoo = new Properties();
    zoo.setProperty("tickTime", "2000");
    zoo.setProperty("initLimit", "10");
    zoo.setProperty("syncLimit", "5");
    zoo.setProperty("dataDir", spec.dir().resolve("zookeeper/data").toString());
    zoo.setProperty("clientPort", Integer.toString(spec.zookeeperPort()));
    zoo.setProperty("clientPortAddress", "localhost");
    // Its admin server would take port 8080.
    zoo.setProperty("admin.enableServer", "false");
    Files.createDirectories(conf(Role.ZOOKEEPER));
    try (Writer w =
        Files.newBufferedWriter(conf(Role.ZOOKEEPER).resolve("zoo.cfg"), StandardCharsets.UTF_8)) {
      zoo.store(w, "written by bin/moc cluster");
    }
    Path plugin = spec.gpuPluginJar();
    Path pluginDir = spec.dir().resolve("plugins/moc-gpu");
    Files.createDirectories(pluginDir);
    Files.copy(
        plugin, pluginDir.resolve(plugin.getFileName()), StandardCopyOption.REPLACE_EXISTING);
  }

  private static Map<String, String> yaml(Path file) throws IOException {
    try {
      return JobConfig.readYaml(new File(file.toString()));
    } catch (Exception e) {
      throw new IOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** Writes flat {@code key: 'value'} lines, which Flink's YAML parser reads as it writes them. */
  static void writeFlat(Path file, Map<String, String> config) throws IOException {
    Files.createDirectories(file.getParent());
    List<String> lines = new ArrayList<>();
    lines.add("# written by bin/moc cluster; edit config/cluster/ instead");
    config.forEach((k, v) -> lines.add(k + ": '" + v.replace("'", "''") + "'"));
    Files.write(file, lines, StandardCharsets.UTF_8);
  }

  /** Flink's lib/: the class path of the JobManager, TaskManager and ZooKeeper processes. */
  private String flinkClassPath() throws IOException {
    Path file = spec.home().resolve("deploy/target/flink-dist-classpath.txt");
    if (!Files.exists(file)) {
      throw new IOException(file + " does not exist; run mvn package (bin/moc builds it)");
    }
    return Files.readString(file).trim();
  }

  /** Starts a process of {@code role} and records its pid; returns the incarnation number. */
  public int start(Role role) throws Exception {
    int incarnation = incarnation(role) + 1;
    String name = role.id + (role.isTaskManager() ? "-" + incarnation : "");
    Files.createDirectories(spec.logs());
    Files.createDirectories(spec.pids());
    List<String> command = new ArrayList<>(KafkaBrokerProcess.sessionLeader());
    command.add(java());
    Map<String, String> env = new LinkedHashMap<>();
    switch (role) {
      case ZOOKEEPER -> {
        command.addAll(List.of("-Xmx256m", marker(role)));
        command.addAll(logging(name));
        command.addAll(List.of("-cp", flinkClassPath()));
        command.add("org.apache.flink.runtime.zookeeper.FlinkZooKeeperQuorumPeer");
        command.addAll(
            List.of("--zkConfigFile", conf(role).resolve("zoo.cfg").toString(), "--peerId", "1"));
      }
      case JOBMANAGER, TASKMANAGER_CPU, TASKMANAGER_GPU -> {
        boolean tm = role.isTaskManager();
        Map<String, String> config = yaml(conf(role).resolve("config.yaml"));
        List<String> resources = Files.readAllLines(resourceParamsFile(role));
        command.addAll(List.of(resources.get(0).trim().split("\\s+")));
        command.addAll(javaOpts(config, tm ? "taskmanager" : "jobmanager"));
        command.add(marker(role));
        command.addAll(logging(name));
        command.addAll(List.of("-cp", flinkClassPath()));
        command.add(
            tm
                ? "org.apache.flink.runtime.taskexecutor.TaskManagerRunner"
                : "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint");
        command.addAll(List.of("--configDir", conf(role).toString()));
        if (tm) {
          command.addAll(List.of(resources.get(1).trim().split("\\s+")));
          // A readable, stable id in the dashboard: the pool, then which replacement this is.
          command.addAll(List.of("-D", "taskmanager.resource-id=" + name));
        }
        env.put("FLINK_CONF_DIR", conf(role).toString());
        env.put("FLINK_PLUGINS_DIR", spec.dir().resolve("plugins").toString());
        if (System.getenv("DJL_CACHE_DIR") == null) {
          env.put("DJL_CACHE_DIR", Path.of(System.getProperty("user.home"), ".djl.ai").toString());
        }
      }
      case SUPERVISOR -> {
        command.addAll(List.of("-Xmx512m", marker(role)));
        command.addAll(launcherJvmFlags());
        command.addAll(logging(name));
        command.addAll(List.of("-cp", System.getProperty("java.class.path")));
        command.add(ClusterSupervisor.class.getName());
        command.add(spec.dir().toString());
      }
      case KAFKA -> throw new IllegalArgumentException("the broker starts through startBroker()");
    }
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(
                ProcessBuilder.Redirect.appendTo(spec.logs().resolve(name + ".out").toFile()))
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    builder.environment().putAll(env);
    Process process = builder.start();
    Files.writeString(pidFile(role), process.pid() + " " + incarnation + "\n");
    return incarnation;
  }

  /** The broker JVM ({@link KafkaBrokerProcess}), left running when this JVM exits. */
  void startBroker() throws Exception {
    Files.createDirectories(spec.pids());
    Path dir = spec.dir().resolve("kafka");
    Files.createDirectories(dir);
    KafkaBrokerProcess.start(
        dir,
        spec.kafkaPort(),
        spec.kafkaPort() + 1,
        java.time.Duration.ofSeconds(90),
        true,
        List.of(marker(Role.KAFKA)),
        KafkaBrokerProcess.Security.PLAINTEXT);
    Files.copy(dir.resolve("broker.pid"), pidFile(Role.KAFKA), StandardCopyOption.REPLACE_EXISTING);
  }

  private Path resourceParamsFile(Role role) {
    return conf(role).resolve("resource-params.txt");
  }

  /** JVM parameters and dynamic properties as Flink's start scripts compute them. */
  private List<String> resourceParams(Role role, boolean tm) throws Exception {
    Process p =
        new ProcessBuilder(
                java(),
                "-cp",
                flinkClassPath(),
                "org.apache.flink.runtime.util.bash.BashJavaUtils",
                tm ? "GET_TM_RESOURCE_PARAMS" : "GET_JM_RESOURCE_PARAMS",
                "--configDir",
                conf(role).toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException("Flink rejects the " + role.id + " configuration:\n" + out);
    }
    List<String> results = new ArrayList<>();
    for (String line : out.split("\\R")) {
      if (line.startsWith(BASH_JAVA_UTILS_PREFIX)) {
        results.add(line.substring(BASH_JAVA_UTILS_PREFIX.length()));
      }
    }
    if (results.size() < 2) {
      throw new IOException("unexpected answer of BashJavaUtils for " + role.id + ":\n" + out);
    }
    return results.subList(results.size() - 2, results.size());
  }

  private static List<String> javaOpts(Map<String, String> config, String role) {
    List<String> opts = new ArrayList<>();
    for (String key : List.of("env.java.opts.all", "env.java.opts." + role)) {
      String value = config.get(key);
      if (value != null && !value.isBlank()) {
        opts.addAll(List.of(value.trim().split("\\s+")));
      }
    }
    return opts;
  }

  private List<String> logging(String name) {
    return List.of(
        "-Dlog4j.configurationFile=file:" + spec.home().resolve("config/cluster/log4j2.properties"),
        "-Dlog.file=" + spec.logs().resolve(name + ".log"));
  }

  /** The flags this JVM runs with that a JVM of the same code needs too (module opens, DJL). */
  private static List<String> launcherJvmFlags() {
    List<String> flags = new ArrayList<>();
    for (String arg :
        java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("--add-opens")
          || arg.startsWith("-Dai.djl.")
          || arg.startsWith("-Dmoc.home")) {
        flags.add(arg);
      }
    }
    return flags;
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** How many times a process of {@code role} was started in this cluster (0: never). */
  public int incarnation(Role role) throws IOException {
    Path file = pidFile(role);
    if (!Files.exists(file)) {
      return 0;
    }
    String[] fields = Files.readString(file).trim().split("\\s+");
    return fields.length > 1 ? Integer.parseInt(fields[1]) : 1;
  }

  /** The live process of {@code role} this cluster started, if any. */
  public Optional<ProcessHandle> process(Role role) throws IOException {
    Path file = pidFile(role);
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    long pid = Long.parseLong(Files.readString(file).trim().split("\\s+")[0]);
    String marker = marker(role);
    return ProcessHandle.of(pid)
        .filter(ProcessHandle::isAlive)
        .filter(p -> p.info().commandLine().map(c -> c.contains(marker)).orElse(false));
  }

  public boolean alive(Role role) throws IOException {
    return process(role).isPresent();
  }

  /**
   * Stops the process of {@code role}: SIGKILL when {@code force} (a machine failure), else SIGTERM
   * and up to {@code graceSeconds} to exit before SIGKILL.
   */
  public void stop(Role role, boolean force, int graceSeconds) throws Exception {
    Optional<ProcessHandle> process = process(role);
    if (process.isEmpty()) {
      return;
    }
    ProcessHandle p = process.get();
    if (force) {
      p.destroyForcibly();
    } else {
      p.destroy();
    }
    try {
      p.onExit().get(graceSeconds, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      p.destroyForcibly();
      p.onExit().get(30, TimeUnit.SECONDS);
    }
  }

  /** The log of the newest process of {@code role}. */
  public Path log(Role role) throws IOException {
    String name = role.id + (role.isTaskManager() ? "-" + incarnation(role) : "");
    return spec.logs().resolve(name + ".log");
  }
}
