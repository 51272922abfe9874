package io.moc.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.moc.local.Feed;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * What a cluster is made of and where it lives; written to {@code <dir>/cluster.json} by {@code up}
 * so that every later command (and the supervisor) works on the same cluster.
 *
 * @param home the checkout: config/cluster/, the job jar, deploy/target (Flink's lib/)
 * @param dir the cluster's own folder: configuration, logs, pid files, checkpoints, savepoints
 * @param restPort dashboard and REST API
 * @param prometheusPort the JobManager's Prometheus port; the CPU and GPU TaskManagers take the
 *     next two
 * @param jobOptions -Dkey=value options of both jobs, over config/cluster/&lt;job&gt;.yaml
 * @param feed what the supervisor publishes; null: nothing (a test publishes its own)
 */
public record ClusterSpec(
    Path home,
    Path dir,
    int restPort,
    int kafkaPort,
    int zookeeperPort,
    int prometheusPort,
    Map<String, String> jobOptions,
    Feed.Options feed) {

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public ClusterSpec {
    home = home.toAbsolutePath().normalize();
    dir = dir.toAbsolutePath().normalize();
    jobOptions = Map.copyOf(jobOptions);
  }

  public Path logs() {
    return dir.resolve("logs");
  }

  public Path pids() {
    return dir.resolve("pids");
  }

  public Path checkpoints(ClusterJob job) {
    return dir.resolve("checkpoints").resolve(job.id);
  }

  public Path savepoints() {
    return dir.resolve("savepoints");
  }

  public Path jobConfig(ClusterJob job) {
    return dir.resolve("jobs").resolve(job.id + ".yaml");
  }

  public String restUrl() {
    return "http://localhost:" + restPort;
  }

  public String bootstrapServers() {
    return "localhost:" + kafkaPort;
  }

  /** The shaded job jar the build made. */
  public Path jobJar() throws IOException {
    return built("flink-jobs/jobs/target", "moc-flink-jobs-.*-job\\.jar", "job jar");
  }

  /** The GPU external-resource plugin the build made (this checkout's deploy module). */
  Path gpuPluginJar() throws IOException {
    return built("deploy/target", "moc-deploy-[^-]+(-SNAPSHOT)?\\.jar", "GPU plugin jar");
  }

  private Path built(String folder, String name, String what) throws IOException {
    Path target = home.resolve(folder);
    if (!Files.isDirectory(target)) {
      throw new IOException(target + " does not exist; run mvn package");
    }
    try (var files = Files.list(target)) {
      return files
          .filter(f -> f.getFileName().toString().matches(name))
          .findFirst()
          .orElseThrow(() -> new IOException("no " + what + " in " + target + "; run mvn package"));
    }
  }

  void write() throws IOException {
    Files.createDirectories(dir);
    Path tmp = dir.resolve("cluster.json.tmp");
    JSON.writeValue(tmp.toFile(), this);
    Files.move(tmp, dir.resolve("cluster.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  /** The spec {@code up} wrote in {@code dir}. */
  public static ClusterSpec read(Path dir) throws IOException {
    Path file = dir.resolve("cluster.json");
    if (!Files.exists(file)) {
      throw new IllegalArgumentException(
          "no cluster in " + dir + " (no cluster.json): start one with bin/moc cluster up");
    }
    return JSON.readValue(file.toFile(), ClusterSpec.class);
  }
}
