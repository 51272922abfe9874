package io.moc.local;

import io.moc.common.JobConfig;
import io.moc.common.KafkaOptions;
import io.moc.kafka.KafkaConnection;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker (KRaft, broker and controller in one) in its own JVM, started
 * from this JVM's class path: no Kafka download, no Docker. Its log goes to {@code
 * <dir>/broker.log}.
 */
public final class KafkaBrokerProcess implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaBrokerProcess.class);

  /**
   * How the broker's client listener is secured: its security protocol, the server properties that
   * go with it (TLS key store, SASL mechanisms, authorizer), arguments for formatting the storage
   * (SCRAM credentials must exist before a SASL broker can talk to itself), and what an admin
   * client needs to reach it.
   */
  public record Security(
      String protocol,
      Map<String, String> serverProperties,
      List<String> formatArguments,
      Map<String, String> adminProperties) {

    /** No security at all: what {@code bin/moc local} runs. */
    public static final Security PLAINTEXT =
        new Security("PLAINTEXT", Map.of(), List.of(), Map.of());
  }

  private final List<String> command;
  private final Path dir;
  private final String bootstrapServers;
  private final KafkaConnection admin;
  private volatile Process process;

  private KafkaBrokerProcess(
      List<String> command, Path dir, String bootstrapServers, Map<String, String> admin) {
    this.command = List.copyOf(command);
    this.dir = dir;
    this.bootstrapServers = bootstrapServers;
    this.admin = new KafkaConnection(bootstrapServers, admin);
  }

  public String bootstrapServers() {
    return bootstrapServers;
  }

  /**
   * Job options pointed at this broker: checkpoints under {@code checkpointDir}, the runtime
   * defaults, and the topics those options name, created.
   */
  public Configuration jobConfig(Configuration options, Path checkpointDir) throws Exception {
    Configuration config = new Configuration(options);
    config.set(KafkaOptions.BOOTSTRAP_SERVERS, bootstrapServers);
    config.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpointDir.toUri().toString());
    config = JobConfig.withRuntimeDefaults(config);
    Topics.create(KafkaOptions.connection(config), Topics.definitions(config, 4));
    return config;
  }

  /**
   * Formats {@code dir} (a fresh cluster each time) and starts the broker; returns once it answers.
   */
  public static KafkaBrokerProcess start(Path dir, int port, int controllerPort, Duration timeout)
      throws Exception {
    return start(dir, port, controllerPort, timeout, false, List.of(), Security.PLAINTEXT);
  }

  /**
   * As {@link #start(Path, int, int, Duration)}; with {@code outliveLauncher} the broker keeps
   * running when this JVM exits (its pid is in {@code <dir>/broker.pid}: whoever stops it reads it
   * there), {@code jvmArgs} go on its command line, e.g. a marker that identifies it, and {@code
   * security} secures its client listener ({@link Security#PLAINTEXT}: none).
   */
  public static KafkaBrokerProcess start(
      Path dir,
      int port,
      int controllerPort,
      Duration timeout,
      boolean outliveLauncher,
      List<String> jvmArgs,
      Security security)
      throws Exception {
    stopStaleBroker(dir.resolve("broker.pid"));
    Path data = dir.resolve("data");
    deleteRecursively(data);
    Files.createDirectories(data);
    Path properties = dir.resolve("server.properties");
    Properties p = new Properties();
    p.setProperty("process.roles", "broker,controller");
    p.setProperty("node.id", "1");
    p.setProperty("controller.quorum.voters", "1@localhost:" + controllerPort);
    String listener = security.protocol();
    p.setProperty(
        "listeners",
        listener + "://localhost:" + port + ",CONTROLLER://localhost:" + controllerPort);
    p.setProperty("advertised.listeners", listener + "://localhost:" + port);
    p.setProperty("controller.listener.names", "CONTROLLER");
    p.setProperty("inter.broker.listener.name", listener);
    p.setProperty(
        "listener.security.protocol.map", listener + ":" + listener + ",CONTROLLER:PLAINTEXT");
    p.setProperty("log.dirs", data.toAbsolutePath().toString());
    p.setProperty("num.partitions", "4");
    p.setProperty("offsets.topic.replication.factor", "1");
    p.setProperty("transaction.state.log.replication.factor", "1");
    p.setProperty("transaction.state.log.min.isr", "1");
    p.setProperty("group.initial.rebalance.delay.ms", "0");
    p.setProperty("log.cleaner.min.cleanable.ratio", "0.1");
    security.serverProperties().forEach(p::setProperty);
    try (Writer w = Files.newBufferedWriter(properties, StandardCharsets.UTF_8)) {
      p.store(w, "written by moc local");
    }
    String classPath = System.getProperty("java.class.path");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Path log = dir.resolve("broker.log");

    List<String> formatCommand =
        new ArrayList<>(
            List.of(
                java,
                "-cp",
                classPath,
                "kafka.tools.StorageTool",
                "format",
                "-t",
                Uuid.randomUuid().toString(),
                "-c",
                properties.toString()));
    formatCommand.addAll(security.formatArguments());
    Process format =
        new ProcessBuilder(formatCommand)
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
      throw new IOException("formatting Kafka storage failed; see " + log);
    }
    List<String> command = new ArrayList<>(outliveLauncher ? sessionLeader() : List.of());
    command.addAll(List.of(java, "-Xmx512m"));
    command.addAll(jvmArgs);
    command.addAll(
        List.of(
            "-cp",
            classPath,
            "-Dlog4j2.configurationFile=" + writeBrokerLog4j(dir),
            "kafka.Kafka",
            properties.toString()));
    KafkaBrokerProcess started =
        new KafkaBrokerProcess(command, dir, "localhost:" + port, security.adminProperties());
    started.launch();
    // The launcher closes the broker on a normal stop; if it cannot (killed, or stuck while
    // shutting down), the broker must not outlive it holding the ports.
    if (!outliveLauncher) {
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    Process current = started.process;
                    try {
                      current.waitFor(45, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                    current.destroyForcibly();
                  },
                  "moc-broker-reaper"));
    }
    try {
      started.awaitReady(timeout);
    } catch (Exception e) {
      started.close();
      throw e;
    }
    LOG.info("Kafka broker (pid {}) ready at {}", started.pid(), started.bootstrapServers);
    return started;
  }

  private void launch() throws IOException {
    process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile()))
            .start();
    Files.writeString(dir.resolve("broker.pid"), Long.toString(process.pid()));
  }

  private Path log() {
    return dir.resolve("broker.log");
  }

  /** Whether the broker's JVM is running. */
  public boolean isAlive() {
    return process.isAlive();
  }

  public long pid() {
    return process.pid();
  }

  /** The exit code of a broker that died; -1 while it runs. */
  public int exitValue() {
    return process.isAlive() ? -1 : process.exitValue();
  }

  /**
   * Starts the broker again after it died, on the same ports and the same data (not formatted
   * again: what the topics held survives, as on a machine that rebooted); returns once it answers.
   */
  public void restart(Duration timeout) throws Exception {
    if (process.isAlive()) {
      throw new IllegalStateException("the broker (pid " + process.pid() + ") is still running");
    }
    launch();
    awaitReady(timeout);
    LOG.info("Kafka broker restarted (pid {}) at {}", pid(), bootstrapServers);
  }

  /** Kills the broker's JVM at once ({@code kill -9}), as a machine failure would: for tests. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /**
   * The prefix that starts a process in a session of its own ({@code setsid}, where the machine has
   * it), so that Ctrl-C in the launcher's terminal does not reach a process meant to outlive it.
   */
  public static List<String> sessionLeader() {
    Path setsid = Path.of("/usr/bin/setsid");
    return Files.isExecutable(setsid) ? List.of(setsid.toString()) : List.of();
  }

  private void awaitReady(Duration timeout) throws Exception {
    Path log = log();
    long deadline = System.nanoTime() + timeout.toNanos();
    Properties props = admin.clientProperties();
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "2000");
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "3000");
    while (true) {
      if (!process.isAlive()) {
        throw new IOException("Kafka broker exited with " + process.exitValue() + "; see " + log);
      }
      try (Admin admin = Admin.create(props)) {
        admin.describeCluster().nodes().get(3, TimeUnit.SECONDS);
        return;
      } catch (Exception notYet) {
        if (System.nanoTime() > deadline) {
          throw new IOException("Kafka broker not ready after " + timeout + "; see " + log, notYet);
        }
      }
    }
  }

  private static String writeBrokerLog4j(Path dir) throws IOException {
    Path file = dir.resolve("broker-log4j2.properties");
    Files.write(
        file,
        List.of(
            "rootLogger.level = WARN",
            "rootLogger.appenderRef.console.ref = console",
            "appender.console.type = Console",
            "appender.console.name = console",
            "appender.console.layout.type = PatternLayout",
            "appender.console.layout.pattern = %d %p %c{1} - %m%n",
            "logger.kafka.name = kafka.server.KafkaRaftServer",
            "logger.kafka.level = INFO"));
    return file.toString();
  }

  /** A broker left running by a launcher that was killed would hold the ports and the data. */
  private static void stopStaleBroker(Path pidFile) throws Exception {
    if (!Files.exists(pidFile)) {
      return;
    }
    long pid = Long.parseLong(Files.readString(pidFile).trim());
    var stale =
        ProcessHandle.of(pid)
            .filter(p -> p.info().commandLine().map(c -> c.contains("kafka.Kafka")).orElse(false));
    if (stale.isPresent()) {
      LOG.warn("Stopping a Kafka broker left running by an earlier launcher (pid {})", pid);
      stale.get().destroy();
      stale.get().onExit().get(30, TimeUnit.SECONDS);
    }
    Files.delete(pidFile);
  }

  private static void deleteRecursively(Path path) throws IOException {
    if (!Files.exists(path)) {
      return;
    }
    try (var walk = Files.walk(path)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  @Override
  public void close() throws InterruptedException {
    Process process = this.process;
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }
}
