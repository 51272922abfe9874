package io.moc.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The JobManager's REST API, as the dashboard and {@code flink} CLI use it: upload and run a jar,
 * jobs and their vertices, checkpoints, savepoints and stop-with-savepoint, TaskManagers.
 */
public final class FlinkRest {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** A job as {@code /jobs/overview} lists it. */
  public record Job(String id, String name, String state) {}

  private final String base;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  public FlinkRest(String baseUrl) {
    this.base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
  }

  public JsonNode get(String path) throws IOException {
    return send(HttpRequest.newBuilder(uri(path)).GET());
  }

  public JsonNode post(String path, Object body) throws IOException {
    return send(
        HttpRequest.newBuilder(uri(path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))));
  }

  /** How often {@code jobId} has restarted since it was submitted (its numRestarts metric). */
  public long restarts(String jobId) throws IOException {
    for (JsonNode metric : get("/jobs/" + jobId + "/metrics?get=numRestarts")) {
      return Long.parseLong(metric.path("value").asText("0"));
    }
    return 0;
  }

  /** Whether the REST API answers at all (the JobManager is up and has a leader). */
  public boolean reachable() {
    try {
      get("/overview");
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Uploads a job jar; returns the id {@link #runJar} takes. */
  public String uploadJar(Path jar) throws IOException {
    String boundary = "moc-" + UUID.randomUUID();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    String head =
        "--"
            + boundary
            + "\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\""
            + jar.getFileName()
            + "\"\r\nContent-Type: application/x-java-archive\r\n\r\n";
    body.write(head.getBytes(StandardCharsets.UTF_8));
    body.write(Files.readAllBytes(jar));
    body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    JsonNode answer =
        send(
            HttpRequest.newBuilder(uri("/jars/upload"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())));
    String file = answer.path("filename").asText();
    if (file.isEmpty()) {
      throw new IOException("jar upload answered " + answer);
    }
    return Path.of(file).getFileName().toString();
  }

  /**
   * Runs the main class of an uploaded jar on the JobManager; returns the job id.
   *
   * @param savepoint restore from it, every piece of its state mapped to an operator by uid; null
   *     to start without state
   */
  public String runJar(
      String jarId, String entryClass, List<String> args, int parallelism, String savepoint)
      throws IOException {
    ObjectNode body = JSON.createObjectNode();
    body.put("entryClass", entryClass);
    body.set("programArgsList", JSON.valueToTree(args));
    if (parallelism > 0) {
      body.put("parallelism", parallelism);
    }
    if (savepoint != null) {
      body.put("savepointPath", savepoint);
      // A savepoint with state no operator claims means a uid changed: refuse, do not drop it.
      body.put("allowNonRestoredState", false);
    }
    JsonNode answer = post("/jars/" + jarId + "/run", body);
    String id = answer.path("jobid").asText();
    if (id.isEmpty()) {
      throw new IOException("running the jar answered " + answer);
    }
    return id;
  }

  public List<Job> jobs() throws IOException {
    List<Job> jobs = new ArrayList<>();
    for (JsonNode j : get("/jobs/overview").path("jobs")) {
      jobs.add(new Job(j.path("jid").asText(), j.path("name").asText(), j.path("state").asText()));
    }
    return jobs;
  }

  public JsonNode job(String jobId) throws IOException {
    return get("/jobs/" + jobId);
  }

  /** Whether the job and every one of its tasks are RUNNING. */
  public boolean fullyRunning(String jobId) throws IOException {
    JsonNode job = job(jobId);
    if (!"RUNNING".equals(job.path("state").asText())) {
      return false;
    }
    for (JsonNode vertex : job.path("vertices")) {
      if (!"RUNNING".equals(vertex.path("status").asText())) {
        return false;
      }
    }
    return true;
  }

  /** The vertex whose name starts with {@code prefix}. */
  public JsonNode vertex(String jobId, String prefix) throws IOException {
    for (JsonNode vertex : job(jobId).path("vertices")) {
      if (vertex.path("name").asText().startsWith(prefix)) {
        return vertex;
      }
    }
    throw new IOException("job " + jobId + " has no vertex named " + prefix + "...");
  }

  /** The TaskManagers running the subtasks of a vertex. */
  public List<String> vertexTaskManagers(String jobId, String vertexId) throws IOException {
    List<String> ids = new ArrayList<>();
    for (JsonNode tm :
        get("/jobs/" + jobId + "/vertices/" + vertexId + "/taskmanagers").path("taskmanagers")) {
      ids.add(tm.path("taskmanager-id").asText());
    }
    return ids;
  }

  /** Values of the vertex metrics whose ids end with {@code suffix}, by metric id. */
  public Map<String, String> vertexMetrics(String jobId, String vertexId, String suffix)
      throws IOException {
    String path = "/jobs/" + jobId + "/vertices/" + vertexId + "/metrics";
    List<String> ids = new ArrayList<>();
    for (JsonNode m : get(path)) {
      String id = m.path("id").asText();
      if (id.endsWith(suffix)) {
        ids.add(id);
      }
    }
    Map<String, String> values = new java.util.TreeMap<>();
    if (ids.isEmpty()) {
      return values;
    }
    String get = URLEncoder.encode(String.join(",", ids), StandardCharsets.UTF_8);
    for (JsonNode m : get(path + "?get=" + get)) {
      values.put(m.path("id").asText(), m.path("value").asText());
    }
    return values;
  }

  /** The sum over its subtasks of one metric of the vertex whose name starts with the prefix. */
  public long vertexMetricSum(String jobId, String vertexPrefix, String metric) throws IOException {
    String vertex = vertex(jobId, vertexPrefix).path("id").asText();
    return sum(vertexMetrics(jobId, vertex, "." + metric));
  }

  /**
   * The sum of one metric over every subtask of every vertex of a job: for a counter whose vertex
   * name depends on how Flink chained the operators.
   */
  public long jobMetricSum(String jobId, String metric) throws IOException {
    long total = 0;
    for (JsonNode vertex : job(jobId).path("vertices")) {
      total += sum(vertexMetrics(jobId, vertex.path("id").asText(), "." + metric));
    }
    return total;
  }

  /**
   * The largest value of one metric (a histogram's {@code name_p99}, say) over every subtask of
   * every vertex of a job; NaN when no subtask has it.
   */
  public double jobMetricMax(String jobId, String metric) throws IOException {
    double max = Double.NaN;
    for (JsonNode vertex : job(jobId).path("vertices")) {
      for (String v : vertexMetrics(jobId, vertex.path("id").asText(), "." + metric).values()) {
        double d = Double.parseDouble(v);
        max = Double.isNaN(max) ? d : Math.max(max, d);
      }
    }
    return max;
  }

  private static long sum(Map<String, String> values) {
    return values.values().stream().mapToLong(v -> (long) Double.parseDouble(v)).sum();
  }

  public JsonNode checkpoints(String jobId) throws IOException {
    return get("/jobs/" + jobId + "/checkpoints");
  }

  /** Registered TaskManagers: id, slots, free slots, resources. */
  public JsonNode taskManagers() throws IOException {
    return get("/taskmanagers").path("taskmanagers");
  }

  /** Triggers a savepoint and waits for it; returns its path. The job keeps running. */
  public String savepoint(String jobId, String directory, Duration timeout) throws IOException {
    ObjectNode body = JSON.createObjectNode();
    body.put("target-directory", directory);
    body.put("cancel-job", false);
    String trigger = post("/jobs/" + jobId + "/savepoints", body).path("request-id").asText();
    return awaitSavepoint(jobId, trigger, timeout);
  }

  /**
   * Stop-with-savepoint: sources stop, a final savepoint is taken, sinks commit, the job ends
   * FINISHED. Returns the savepoint's path.
   */
  public String stopWithSavepoint(String jobId, String directory, Duration timeout)
      throws IOException {
    ObjectNode body = JSON.createObjectNode();
    body.put("targetDirectory", directory);
    body.put("drain", false);
    String trigger = post("/jobs/" + jobId + "/stop", body).path("request-id").asText();
    return awaitSavepoint(jobId, trigger, timeout);
  }

  private String awaitSavepoint(String jobId, String trigger, Duration timeout) throws IOException {
    if (trigger.isEmpty()) {
      throw new IOException("the JobManager did not accept the savepoint request for " + jobId);
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      JsonNode answer = get("/jobs/" + jobId + "/savepoints/" + trigger);
      if ("COMPLETED".equals(answer.path("status").path("id").asText())) {
        JsonNode operation = answer.path("operation");
        if (operation.has("location")) {
          return operation.path("location").asText();
        }
        throw new IOException(
            "savepoint of " + jobId + " failed: " + operation.path("failure-cause"));
      }
      pause(500);
    }
    throw new IOException("savepoint of " + jobId + " not done after " + timeout);
  }

  public void cancel(String jobId) throws IOException {
    send(
        HttpRequest.newBuilder(uri("/jobs/" + jobId + "?mode=cancel"))
            .method("PATCH", HttpRequest.BodyPublishers.noBody()));
  }

  private URI uri(String path) {
    return URI.create(base + path);
  }

  private JsonNode send(HttpRequest.Builder request) throws IOException {
    HttpResponse<String> response;
    try {
      response =
          http.send(
              request.timeout(Duration.ofSeconds(60)).build(),
              HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    if (response.statusCode() >= 300) {
      throw new IOException(
          response.request().method()
              + " "
              + response.request().uri()
              + " answered "
              + response.statusCode()
              + ": "
              + response.body());
    }
    String text = response.body();
    return text == null || text.isBlank() ? JSON.createObjectNode() : JSON.readTree(text);
  }

  static void pause(long millis) throws IOException {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }
}
