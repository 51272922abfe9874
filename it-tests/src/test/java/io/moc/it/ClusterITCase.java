package io.moc.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.moc.avro.AvroBytes;
import io.moc.avro.ItemCodes;
import io.moc.avro.ModelSnapshot;
import io.moc.cluster.ClusterJob;
import io.moc.cluster.ClusterProcesses.Role;
import io.moc.cluster.ClusterSpec;
import io.moc.cluster.FlinkRest;
import io.moc.cluster.StandaloneCluster;
import io.moc.source.SourceEvent;
import io.moc.source.SyntheticCatalog;
import io.moc.util.Poll;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The operations of a real multi-process cluster ({@code bin/moc cluster}), each where it happens:
 * a JobManager, a CPU and a GPU-pool TaskManager, ZooKeeper and a Kafka broker, each its own JVM
 * with Flink's lib/ (DJL included) on its class path and the job jar loaded child-first. One
 * cluster for the whole class, in order: placement, a TaskManager process killed, an upgrade from a
 * savepoint, a rescale from a savepoint, a JobManager killed, and down.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterITCase {

  private static final Duration TIMEOUT = Duration.ofMinutes(4);
  private static final PrintStream LOG = System.out;

  private Path home;
  private StandaloneCluster cluster;
  private FlinkRest rest;
  private String bootstrap;
  private KafkaProducer<byte[], byte[]> producer;
  private final List<SourceEvent.Item> items = new ArrayList<>();
  private final List<SourceEvent.Impression> impressions = new ArrayList<>();

  /** Items published so far, in order. */
  private int published;

  /** Figures for the closing note, written to target/cluster-it.json. */
  private final Map<String, Object> figures = new LinkedHashMap<>();

  @BeforeAll
  void startCluster() throws Exception {
    home = Path.of(System.getProperty("moc.home", "..")).toAbsolutePath().normalize();
    Path dir = home.resolve("it-tests/target/cluster-it");
    SyntheticCatalog catalog =
        SyntheticCatalog.builder()
            .seed(11)
            .republishFraction(0)
            .titleChangeFraction(0)
            .itemsPerSecond(20)
            .impressionsPerSecond(40)
            .users(50)
            .build();
    while (items.size() < 800) {
      SourceEvent event = catalog.next();
      if (event instanceof SourceEvent.Item item) {
        items.add(item);
      } else if (event instanceof SourceEvent.Impression impression) {
        impressions.add(impression);
      }
    }
    Map<String, String> jobOptions = new HashMap<>();
    jobOptions.put("execution.checkpointing.interval", "2 s");
    jobOptions.put("moc.codebook.train-after-items", "80");
    jobOptions.put("moc.codebook.size", "16");
    // A second version only when the rescale test publishes enough new items; no drift trigger.
    jobOptions.put("moc.codebook.retrain-interval", "1 s");
    jobOptions.put("moc.codebook.retrain-min-new-items", "400");
    jobOptions.put("moc.codebook.drift.check-every", "1000000");
    // The projected-k-means bootstrap is replaced by a moc version once 400 items are embedded:
    // the second version of the rescale test, and the rollout of the default lifecycle.
    jobOptions.put("moc.codebook.bootstrap.replace-after-items", "400");
    jobOptions.put("moc.training.publish-interval", "3 s");
    jobOptions.put("moc.training.batch-size", "64");
    ClusterSpec spec =
        new ClusterSpec(
            home, dir, freePort(), freePort(), freePort(), freePort(), jobOptions, null);
    cluster = StandaloneCluster.up(spec, LOG);
    rest = cluster.rest();
    bootstrap = spec.bootstrapServers();
    producer = EmbeddedKafka.producer(bootstrap);
  }

  @AfterAll
  void stopCluster() throws Exception {
    if (producer != null) {
      producer.close();
    }
    try {
      if (cluster != null) {
        cluster.down();
      }
    } finally {
      Files.writeString(
          home.resolve("it-tests/target/cluster-it.json"),
          new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(figures));
      LOG.println("Cluster figures: " + figures);
    }
  }

  private static int freePort() throws IOException {
    // Kafka's controller takes the broker's port + 1; Prometheus the JobManager's port + 1 and + 2.
    while (true) {
      try (ServerSocket s = new ServerSocket(0)) {
        int port = s.getLocalPort();
        if (port < 60000 && free(port + 1) && free(port + 2)) {
          return port;
        }
      }
    }
  }

  private static boolean free(int port) {
    try (ServerSocket s = new ServerSocket(port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Publishes the next {@code n} items and the impressions of the catalog up to them. */
  private List<String> publish(int n) throws Exception {
    List<String> ids = new ArrayList<>();
    long until = items.get(published + n - 1).eventTimeMs();
    for (SourceEvent.Item item : items.subList(published, published + n)) {
      producer.send(record("items", item.key(), AvroBytes.encode(item.item())));
      ids.add(item.key());
    }
    for (SourceEvent.Impression i : impressions) {
      long t = i.eventTimeMs();
      if (t <= until
          && t > (published == 0 ? Long.MIN_VALUE : items.get(published - 1).eventTimeMs())) {
        producer.send(record("impressions", i.key(), AvroBytes.encode(i.impression())));
      }
    }
    producer.flush();
    published += n;
    return ids;
  }

  /** Publishes items already published again, unchanged. */
  private void republish(int from, int to) {
    for (SourceEvent.Item item : items.subList(from, to)) {
      producer.send(record("items", item.key(), AvroBytes.encode(item.item())));
    }
    producer.flush();
  }

  private static ProducerRecord<byte[], byte[]> record(String topic, String key, byte[] value) {
    return new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value);
  }

  /** The latest codebook version per item on item-codes, once every item of {@code ids} has one. */
  private Map<String, Long> awaitCodes(List<String> ids, long minVersion) {
    Map<String, Long> latest = new HashMap<>();
    EmbeddedKafka.readUntil(
        bootstrap,
        "item-codes",
        TIMEOUT,
        records -> {
          latest.clear();
          for (ConsumerRecord<byte[], byte[]> r : records) {
            latest.put(
                new String(r.key(), StandardCharsets.UTF_8),
                AvroBytes.decode(ItemCodes.class, r.value()).getCodebookVersion());
          }
          return ids.stream().allMatch(id -> latest.getOrDefault(id, -1L) >= minVersion);
        });
    return latest;
  }

  /** Everything committed on {@code topic} that a consumer reads within {@code window}. */
  private List<ConsumerRecord<byte[], byte[]>> readFor(String topic, Duration window) {
    long until = System.nanoTime() + window.toNanos();
    return EmbeddedKafka.readUntil(
        bootstrap, topic, window.plusSeconds(30), r -> System.nanoTime() > until);
  }

  private List<String> keys(String topic) {
    return readFor(topic, Duration.ofSeconds(4)).stream()
        .map(r -> new String(r.key(), StandardCharsets.UTF_8))
        .toList();
  }

  private List<Long> modelVersions() {
    return readFor("ctr-models", Duration.ofSeconds(3)).stream()
        .map(r -> AvroBytes.decode(ModelSnapshot.class, r.value()).getVersion())
        .toList();
  }

  private String job(ClusterJob job) throws IOException {
    return cluster.jobId(job).orElseThrow();
  }

  private long vertexMetricSum(String jobId, String vertexPrefix, String metric)
      throws IOException {
    return rest.vertexMetricSum(jobId, vertexPrefix, metric);
  }

  private long completedCheckpoints(String jobId) throws IOException {
    return rest.checkpoints(jobId).path("counts").path("completed").asLong();
  }

  private void awaitCheckpointAfter(String jobId, long completed) throws Exception {
    poll("a checkpoint of " + jobId, () -> completedCheckpoints(jobId) > completed);
  }

  private static void poll(String what, Poll.Condition condition) throws Exception {
    Poll.until(what, TIMEOUT, condition);
  }

  private List<String> logLines(String needle) throws IOException {
    try (Stream<Path> logs = Files.list(cluster.spec().logs())) {
      List<String> hits = new ArrayList<>();
      for (Path log : logs.filter(p -> p.toString().endsWith(".log")).toList()) {
        if (Files.isRegularFile(log)) {
          Files.readAllLines(log).stream().filter(l -> l.contains(needle)).forEach(hits::add);
        }
      }
      return hits;
    }
  }

  @Test
  @Order(1)
  void shouldRunTheEmbeddingOnTheGpuTaskManagerAndOnCpuWithoutAGpu() throws Exception {
    List<String> first = publish(100);
    awaitCodes(first, 1);
    String indexing = job(ClusterJob.INDEXING);
    String embed = rest.vertex(indexing, "Embed text").path("id").asText();
    List<String> taskManagers = rest.vertexTaskManagers(indexing, embed);
    assertFalse(taskManagers.isEmpty());
    assertTrue(
        taskManagers.stream().allMatch(tm -> tm.startsWith("taskmanager-gpu")),
        "embedding subtasks on " + taskManagers);
    // Nothing else takes the GPU pool's only slot: a default-group slot does not fit there.
    String assign = rest.vertex(indexing, "Assign codes").path("id").asText();
    assertTrue(
        rest.vertexTaskManagers(indexing, assign).stream()
            .allMatch(tm -> tm.startsWith("taskmanager-cpu")));
    JsonNode gpuTm = null;
    for (JsonNode tm : rest.taskManagers()) {
      if (tm.path("id").asText().startsWith("taskmanager-gpu")) {
        gpuTm = tm;
      }
    }
    assertEquals(1.0, gpuTm.path("totalResource").path("extendedResources").path("gpu").asDouble());
    // This machine has no GPU: the driver reports none and the embedder takes the CPU path.
    assertEquals(0, vertexMetricSum(indexing, "Embed text", "embeddingOnGpu"));
    assertFalse(logLines("embedding on cpu").isEmpty());
    assertFalse(logLines("declares 1 GPU(s) but discovery found 0").isEmpty());
  }

  @Test
  @Order(2)
  void shouldCodeEveryItemAcrossATaskManagerProcessKillAndPublishNoVersionTwice() throws Exception {
    String indexing = job(ClusterJob.INDEXING);
    awaitCheckpointAfter(indexing, completedCheckpoints(indexing));
    int before = cluster.processes().incarnation(Role.TASKMANAGER_GPU);
    long killedAt = System.currentTimeMillis();
    cluster.processes().stop(Role.TASKMANAGER_GPU, true, 30);
    // Published while the TaskManager is gone and the job restarts: read from checkpointed offsets.
    List<String> during = publish(100);
    poll(
        "a replacement GPU TaskManager",
        () ->
            cluster.processes().incarnation(Role.TASKMANAGER_GPU) > before
                && cluster.processes().alive(Role.TASKMANAGER_GPU));
    awaitCodes(during.subList(0, 1), 1);
    figures.put("tm_kill_to_first_new_codes_ms", firstCodesAppendTime(during) - killedAt);
    List<String> after = publish(100);
    Map<String, Long> coded = awaitCodes(after, 1);
    assertTrue(items.subList(0, published).stream().allMatch(i -> coded.containsKey(i.key())));
    assertEquals(published, coded.size());
    poll("the indexing job running again", () -> rest.fullyRunning(indexing));
    assertTrue(rest.job(indexing).path("vertices").size() > 0);
    assertTrue(logLines("UnsatisfiedLinkError").isEmpty(), "a native library failed to load");
    assertEquals(List.of("1"), keys("codebooks"));
    List<Long> models = modelVersions();
    assertEquals(new HashSet<>(models).size(), models.size(), "a model version twice: " + models);
    figures.put("indexing_checkpoint", lastCheckpoint(indexing));
    figures.put("training_checkpoint", lastCheckpoint(job(ClusterJob.TRAINING)));
  }

  private long firstCodesAppendTime(List<String> ids) {
    Set<String> wanted = new HashSet<>(ids);
    return EmbeddedKafka.readUntil(
            bootstrap,
            "item-codes",
            TIMEOUT,
            r ->
                r.stream()
                    .anyMatch(c -> wanted.contains(new String(c.key(), StandardCharsets.UTF_8))))
        .stream()
        .filter(c -> wanted.contains(new String(c.key(), StandardCharsets.UTF_8)))
        .mapToLong(ConsumerRecord::timestamp)
        .min()
        .orElseThrow();
  }

  private Map<String, Long> lastCheckpoint(String jobId) throws IOException {
    JsonNode c = rest.checkpoints(jobId).path("latest").path("completed");
    return Map.of(
        "duration_ms", c.path("end_to_end_duration").asLong(),
        "checkpointed_size_bytes", c.path("checkpointed_size").asLong(),
        "state_size_bytes", c.path("state_size").asLong());
  }

  @Test
  @Order(3)
  void shouldRestoreEveryOperatorOfBothJobsFromASavepointOnUpgrade() throws Exception {
    poll("a model snapshot", () -> !modelVersions().isEmpty());
    long lastModel = modelVersions().stream().mapToLong(Long::longValue).max().orElseThrow();
    String oldIndexing = job(ClusterJob.INDEXING);
    String newIndexing = cluster.upgrade(ClusterJob.INDEXING);
    String newTraining = cluster.upgrade(ClusterJob.TRAINING);
    assertNotEquals(oldIndexing, newIndexing);
    // Unchanged texts are recognised by the restored fingerprints: nothing is embedded again.
    republish(0, 100);
    poll(
        "the republished items seen as unchanged",
        () -> vertexMetricSum(newIndexing, "Embed text", "itemsUnchanged") >= 100);
    assertEquals(0, vertexMetricSum(newIndexing, "Embed text", "itemsEmbedded"));
    // The restored trainer keeps its version: no version 1 again, no new one.
    List<String> fresh = publish(50);
    awaitCodes(fresh, 1);
    assertEquals(List.of("1"), keys("codebooks"));
    // The model continues from its restored state and version counter.
    poll(
        "a model snapshot of the upgraded training job",
        () -> modelVersions().stream().anyMatch(v -> v > lastModel));
    List<Long> models = modelVersions();
    assertEquals(new HashSet<>(models).size(), models.size(), "a model version twice: " + models);
    assertTrue(rest.fullyRunning(newTraining));
  }

  @Test
  @Order(4)
  void shouldRedistributeItemStateAndRecodeEveryItemAfterScalingIndexingFrom1To2()
      throws Exception {
    String scaled = cluster.scale(ClusterJob.INDEXING, 2);
    assertEquals(2, rest.vertex(scaled, "Assign codes").path("parallelism").asInt());
    assertEquals(1, rest.vertex(scaled, "Embed text").path("parallelism").asInt(), "one per GPU");
    // Enough new items for a second version (fewer than 400 came before): every item, held by
    // either subtask, is re-coded.
    List<String> fresh = publish(250);
    List<String> all = items.subList(0, published).stream().map(SourceEvent.Item::key).toList();
    Map<String, Long> coded = awaitCodes(all, 2);
    assertEquals(published, coded.size());
    assertEquals(List.of("1", "2"), keys("codebooks"));
    assertTrue(fresh.stream().allMatch(id -> coded.get(id) == 2));
    // The REST API serves metrics it fetched up to metrics.fetcher.update-interval ago.
    int held = published - fresh.size();
    poll(
        "the re-coding pass counted over both subtasks",
        () -> vertexMetricSum(scaled, "Assign codes", "itemsRecoded") >= held);
  }

  @Test
  @Order(5)
  void shouldExposeEveryMetricTheGrafanaDashboardQueriesOnPrometheus() throws Exception {
    // A dead letter, so that the per-reason counters exist (they are created on first use).
    producer.send(record("items", "not-avro", new byte[] {1, 2, 3}));
    producer.flush();
    JsonNode dashboard =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readTree(home.resolve("deploy/grafana/moc-dashboard.json").toFile());
    List<String> queries = new ArrayList<>();
    for (JsonNode panel : dashboard.path("panels")) {
      for (JsonNode target : panel.path("targets")) {
        queries.add(target.path("expr").asText());
      }
    }
    assertTrue(queries.size() >= 12, queries.toString());
    java.util.regex.Pattern name = java.util.regex.Pattern.compile("\\bflink_[A-Za-z0-9_]+");
    java.util.regex.Pattern nameRegex = java.util.regex.Pattern.compile("__name__=~\"([^\"]+)\"");
    Set<String> missing = new java.util.TreeSet<>();
    poll(
        "every queried metric on the Prometheus endpoints",
        () -> {
          Set<String> scraped = scrapeMetricNames();
          missing.clear();
          for (String query : queries) {
            var names = name.matcher(query.replaceAll("__name__=~\"[^\"]+\"", ""));
            while (names.find()) {
              if (!scraped.contains(names.group())) {
                missing.add(names.group());
              }
            }
            var regexes = nameRegex.matcher(query);
            while (regexes.find()) {
              String regex = regexes.group(1);
              if (scraped.stream().noneMatch(n -> n.matches(regex))) {
                missing.add(regex);
              }
            }
          }
          return missing.isEmpty();
        });
    assertTrue(missing.isEmpty(), "queried but not exposed: " + missing);
  }

  /** Metric names on the JobManager's and both TaskManagers' Prometheus endpoints. */
  private Set<String> scrapeMetricNames() throws Exception {
    Set<String> names = new HashSet<>();
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    for (int offset = 0; offset < 3; offset++) {
      int port = cluster.spec().prometheusPort() + offset;
      String body =
          http.send(
                  java.net.http.HttpRequest.newBuilder(
                          java.net.URI.create("http://localhost:" + port + "/metrics"))
                      .build(),
                  java.net.http.HttpResponse.BodyHandlers.ofString())
              .body();
      for (String line : body.split("\n")) {
        if (!line.isEmpty() && !line.startsWith("#")) {
          int end = line.indexOf('{');
          names.add(line.substring(0, end > 0 ? end : line.indexOf(' ')));
        }
      }
    }
    return names;
  }

  @Test
  @Order(6)
  void shouldResumeBothJobsFromTheirLatestCheckpointAfterAJobManagerKill() throws Exception {
    String indexing = job(ClusterJob.INDEXING);
    String training = job(ClusterJob.TRAINING);
    awaitCheckpointAfter(indexing, completedCheckpoints(indexing));
    long killedAt = System.currentTimeMillis();
    cluster.processes().stop(Role.JOBMANAGER, true, 30);
    poll("a new JobManager", () -> cluster.processes().alive(Role.JOBMANAGER) && rest.reachable());
    poll(
        "both jobs running again",
        () -> rest.fullyRunning(indexing) && rest.fullyRunning(training));
    figures.put("jm_kill_to_jobs_running_ms", System.currentTimeMillis() - killedAt);
    JsonNode restored = rest.checkpoints(indexing).path("latest").path("restored");
    assertFalse(restored.isMissingNode() || restored.isNull(), "not restored from a checkpoint");
    List<String> fresh = publish(50);
    awaitCodes(fresh, 2);
    figures.put("jm_kill_to_first_new_codes_ms", firstCodesAppendTime(fresh) - killedAt);
    assertEquals(List.of("1", "2"), keys("codebooks"));
  }

  @Test
  @Order(7)
  void shouldStopExactlyTheProcessesItStarted() throws Exception {
    List<ProcessHandle> started = new ArrayList<>();
    for (Role role : Role.values()) {
      cluster.processes().process(role).ifPresent(started::add);
    }
    assertEquals(Role.values().length, started.size(), "every process of the cluster is running");
    cluster.down();
    for (ProcessHandle p : started) {
      assertFalse(p.isAlive(), "pid " + p.pid() + " still running");
    }
    cluster = null;
  }
}
