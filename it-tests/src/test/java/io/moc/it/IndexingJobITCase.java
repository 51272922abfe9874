package io.moc.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.moc.avro.AvroBytes;
import io.moc.avro.DeadLetter;
import io.moc.avro.ImpressionEvent;
import io.moc.avro.ItemCodes;
import io.moc.avro.ItemEvent;
import io.moc.bench.BenchData;
import io.moc.codebook.Codebook;
import io.moc.codebook.ProjectedKMeansTrainer;
import io.moc.common.CodebookOptions;
import io.moc.common.JobConfig;
import io.moc.common.KafkaOptions;
import io.moc.embed.ItemText;
import io.moc.embed.SentenceEmbedder;
import io.moc.embed.TextEmbedder;
import io.moc.indexing.CodebookEntry;
import io.moc.indexing.IndexingJob;
import io.moc.indexing.IndexingOptions;
import io.moc.indexing.IndexingSettings;
import io.moc.local.LocalFlinkCluster;
import io.moc.local.Topics;
import io.moc.source.DatasetReplay;
import io.moc.source.SourceEvent;
import io.moc.source.SyntheticCatalog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The indexing job end to end: a slice of real Amazon Beauty items (synthetic ones on a clone
 * without {@code ../shared}) plus deliberately bad records go through a real KRaft broker and the
 * job on a MiniCluster (RocksDB state, the real MiniLM model).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IndexingJobITCase {

  private static final int ITEMS = 300;
  private static final Duration TIMEOUT = Duration.ofSeconds(120);

  @TempDir static Path checkpoints;

  private static EmbeddedKafka kafka;
  private static LocalFlinkCluster flink;
  private static JobID job;
  private static IndexingSettings settings;
  private static final Map<String, ItemEvent> validItems = new LinkedHashMap<>();
  private static final Map<String, String> expectedDeadLetters = new TreeMap<>();
  private static int recordsIn;
  private static String deletedId;

  @BeforeAll
  static void startJob() throws Exception {
    kafka = EmbeddedKafka.start();
    Configuration config = new Configuration();
    config.set(KafkaOptions.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
    config.set(IndexingOptions.TRAIN_AFTER_ITEMS, 100);
    config.set(CodebookOptions.CODEBOOK_SIZE, 32);
    config.set(IndexingOptions.NUM_CODEBOOKS, 3);
    // Every version of one fast method, so that a second version comes of drift alone.
    config.set(IndexingOptions.CODEBOOK_METHOD, "projected-kmeans");
    config.set(IndexingOptions.BOOTSTRAP_METHOD, "");
    // Live code quality watched on windows of 50 items; no schedule, so only drift trains again.
    config.set(IndexingOptions.RETRAIN_INTERVAL, Duration.ZERO);
    config.set(IndexingOptions.RETRAIN_MIN_NEW_ITEMS, 50);
    config.set(IndexingOptions.DRIFT_WINDOW, 50);
    config.set(IndexingOptions.DRIFT_CHECK_EVERY, 25);
    config.set(IndexingOptions.DRIFT_ERROR_RATIO, 2.0);
    config.set(IndexingOptions.DRIFT_COLLISION_RISE, 0.3);
    config.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofSeconds(1));
    config.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
    config = JobConfig.withRuntimeDefaults(config);
    Topics.create(kafka.bootstrapServers(), Topics.definitions(config, 2));
    settings = IndexingOptions.read(config);

    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
    env.setParallelism(2);
    IndexingJob.buildWithKafka(env, settings, IndexingJob.textEmbedder(settings));
    flink = LocalFlinkCluster.start(4, 0);
    job = flink.submit(env, "indexing-it");
  }

  @AfterAll
  static void stop() throws Exception {
    if (flink != null) {
      flink.cancel(job);
      flink.close();
    }
    if (kafka != null) {
      kafka.close();
    }
  }

  /**
   * The first {@link #ITEMS} items of Amazon Beauty in replay order, or synthetic ones without it.
   */
  private static List<ItemEvent> catalogSlice() throws Exception {
    return catalogSlice(0, ITEMS);
  }

  private static List<ItemEvent> catalogSlice(int from, int to) throws Exception {
    Path beauty = beautyDir();
    Iterator<SourceEvent> source;
    if (Files.isDirectory(beauty)) {
      source = new DatasetReplay(beauty, 1);
    } else {
      // A clone without ../shared runs the same assertions on the built-in catalog.
      System.err.println(
          "IndexingJobITCase: no Amazon Beauty at " + beauty + ", using synthetic items");
      source =
          SyntheticCatalog.builder()
              .seed(1)
              .impressionsPerSecond(0)
              .republishFraction(0)
              .titleChangeFraction(0)
              .build();
    }
    List<ItemEvent> items = new ArrayList<>();
    while (items.size() < to && source.hasNext()) {
      if (source.next() instanceof SourceEvent.Item item) {
        items.add(item.item());
      }
    }
    return items.subList(Math.min(from, items.size()), items.size());
  }

  private static Path beautyDir() {
    return Path.of(System.getProperty("moc.shared.data", "../../shared/data"))
        .resolve("amazon-beauty");
  }

  private static void send(KafkaProducer<byte[], byte[]> producer, String key, byte[] value)
      throws Exception {
    producer
        .send(
            new ProducerRecord<>(
                settings.itemsTopic(),
                key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                value))
        .get();
    recordsIn++;
  }

  private static ItemEvent.Builder bad(String id) {
    return ItemEvent.newBuilder().setItemId(id).setTitle("Bad " + id).setEventTime(Instant.now());
  }

  private static boolean isDeletion(ConsumerRecord<byte[], byte[]> r) {
    return r.value() == null && new String(r.key(), StandardCharsets.UTF_8).equals(deletedId);
  }

  private static Map<String, ItemCodes> latestCodes(List<ConsumerRecord<byte[], byte[]>> records) {
    Map<String, ItemCodes> latest = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : records) {
      String id = new String(r.key(), StandardCharsets.UTF_8);
      if (r.value() == null) {
        latest.remove(id);
      } else {
        latest.put(id, AvroBytes.decode(ItemCodes.class, r.value()));
      }
    }
    return latest;
  }

  private static Predicate<List<ConsumerRecord<byte[], byte[]>>> everyValidItemAt(long version) {
    return records -> {
      Map<String, ItemCodes> latest = latestCodes(records);
      return validItems.keySet().stream()
          .allMatch(id -> latest.containsKey(id) && latest.get(id).getCodebookVersion() == version);
    };
  }

  @Test
  @Order(1)
  void shouldCodeEveryValidItemAndDeadLetterEveryBadRecordWithItsReason() throws Exception {
    List<Float> nan = new ArrayList<>(Collections.nCopies(SentenceEmbedder.DIMENSION, 0.01f));
    nan.set(17, Float.NaN);
    try (KafkaProducer<byte[], byte[]> producer = kafka.producer()) {
      List<ItemEvent> slice = catalogSlice();
      for (int i = 0; i < slice.size(); i++) {
        ItemEvent item = slice.get(i);
        validItems.put(item.getItemId(), item);
        send(producer, item.getItemId(), AvroBytes.encode(item));
        if (i == slice.size() / 2) {
          sendBadRecords(producer, nan);
        }
      }
      // A valid item that brings its own embedding of the configured model.
      List<Float> precomputed =
          new ArrayList<>(Collections.nCopies(SentenceEmbedder.DIMENSION, 0.05f));
      ItemEvent withEmbedding =
          bad("precomputed")
              .setTitle(null)
              .setEmbedding(precomputed)
              .setEmbeddingModel(SentenceEmbedder.MODEL_NAME)
              .build();
      validItems.put("precomputed", withEmbedding);
      send(producer, "precomputed", AvroBytes.encode(withEmbedding));
      // A tombstone deletes an item: its codes are deleted from the compacted topic too.
      deletedId = slice.get(0).getItemId();
      validItems.remove(deletedId);
      send(producer, deletedId, null);
    }

    List<ConsumerRecord<byte[], byte[]>> codes =
        kafka.readUntil(
            settings.itemCodesTopic(),
            TIMEOUT,
            everyValidItemAt(1)
                .and(records -> records.stream().anyMatch(IndexingJobITCase::isDeletion)));
    List<ConsumerRecord<byte[], byte[]>> deadLetters =
        kafka.readUntil(
            settings.deadLettersTopic(), TIMEOUT, r -> r.size() >= expectedDeadLetters.size());

    Map<String, ItemCodes> latest = latestCodes(codes);
    for (String id : validItems.keySet()) {
      ItemCodes c = latest.get(id);
      assertEquals(3, c.getCodes().size(), id);
      assertTrue(c.getCodes().stream().allMatch(code -> code >= 0 && code < 32), id);
      assertEquals(
          validItems.get(id).getEventTime().toEpochMilli(), c.getItemEventTime().toEpochMilli());
    }
    Map<String, String> reasons = new TreeMap<>();
    for (ConsumerRecord<byte[], byte[]> r : deadLetters) {
      DeadLetter d = AvroBytes.decode(DeadLetter.class, r.value());
      assertEquals(settings.itemsTopic(), d.getSourceTopic());
      assertTrue(d.getOffset() >= 0);
      reasons.put(
          d.getKey() == null ? "<no key>" : StandardCharsets.UTF_8.decode(d.getKey()).toString(),
          d.getReason());
    }
    assertEquals(expectedDeadLetters, reasons);
    // Nothing is lost: every record read is coded, deleted or dead-lettered, and nothing else is
    // coded (the deleted item was sent twice: its update and its tombstone).
    assertEquals(validItems.keySet(), latest.keySet());
    assertEquals(recordsIn, latest.size() + deadLetters.size() + 2);
  }

  private static void sendBadRecords(KafkaProducer<byte[], byte[]> producer, List<Float> nan)
      throws Exception {
    send(producer, "bad-bytes", new byte[] {0x00, 0x13, 0x37, 0x42});
    expectedDeadLetters.put("bad-bytes", "UNDECODABLE");
    ImpressionEvent impression =
        ImpressionEvent.newBuilder()
            .setImpressionId("x")
            .setUserId("u")
            .setItemId("i")
            .setEventTime(Instant.now())
            .setClicked(true)
            .build();
    send(producer, "bad-schema", AvroBytes.encode(impression));
    expectedDeadLetters.put("bad-schema", "UNDECODABLE");
    send(producer, "bad-key", AvroBytes.encode(bad("someone-else").build()));
    expectedDeadLetters.put("bad-key", "KEY_MISMATCH");
    send(
        producer,
        "bad-norm",
        AvroBytes.encode(
            bad("bad-norm")
                .setEmbedding(
                    new ArrayList<>(Collections.nCopies(SentenceEmbedder.DIMENSION, 1e30f)))
                .setEmbeddingModel(SentenceEmbedder.MODEL_NAME)
                .build()));
    expectedDeadLetters.put("bad-norm", "BAD_EMBEDDING_NORM");
    send(producer, "bad-no-text", AvroBytes.encode(bad("bad-no-text").setTitle(null).build()));
    expectedDeadLetters.put("bad-no-text", "NO_TEXT_OR_EMBEDDING");
    send(
        producer,
        "bad-dimension",
        AvroBytes.encode(
            bad("bad-dimension")
                .setEmbedding(List.of(0.1f, 0.2f))
                .setEmbeddingModel(SentenceEmbedder.MODEL_NAME)
                .build()));
    expectedDeadLetters.put("bad-dimension", "BAD_EMBEDDING_DIMENSION");
    send(
        producer,
        "bad-nan",
        AvroBytes.encode(
            bad("bad-nan")
                .setEmbedding(nan)
                .setEmbeddingModel(SentenceEmbedder.MODEL_NAME)
                .build()));
    expectedDeadLetters.put("bad-nan", "NON_FINITE_EMBEDDING");
    send(producer, null, null);
    expectedDeadLetters.put("<no key>", "MISSING_ID");
  }

  @Test
  @Order(2)
  void shouldRecodeAllItemsWhenCodebookVersionChanges() throws Exception {
    // Embed the items as the job does, train a different codebook, and publish it as version 2.
    Map<String, float[]> embeddings = new HashMap<>();
    try (TextEmbedder embedder = IndexingJob.textEmbedder(settings).open()) {
      for (Map.Entry<String, ItemEvent> e : validItems.entrySet()) {
        if (e.getValue().getEmbedding() == null) {
          embeddings.put(e.getKey(), embedder.embed(List.of(ItemText.compose(e.getValue())))[0]);
        }
      }
    }
    Codebook v2 =
        new ProjectedKMeansTrainer(2, 16, 16, 10, 99)
            .train(settings.embeddingModel(), new ArrayList<>(embeddings.values()));
    CodebookEntry entry = CodebookEntry.of(2, v2, new ArrayList<>(embeddings.values()));
    CodebookEntry corrupt = CodebookEntry.of(3, v2, List.of());
    corrupt.sha256 = "0".repeat(64);
    try (KafkaProducer<byte[], byte[]> producer = kafka.producer()) {
      producer
          .send(
              new ProducerRecord<>(
                  settings.codebooksTopic(),
                  "2".getBytes(StandardCharsets.UTF_8),
                  AvroBytes.encode(entry.toAvro())))
          .get();
    }

    List<ConsumerRecord<byte[], byte[]>> codes =
        kafka.readUntil(settings.itemCodesTopic(), TIMEOUT, everyValidItemAt(2));
    Map<String, ItemCodes> latest = latestCodes(codes);
    assertTrue(!latest.containsKey(deletedId), "a deleted item is not re-coded");
    for (Map.Entry<String, float[]> e : embeddings.entrySet()) {
      int[] expected = v2.assign(e.getValue()).codes();
      int[] actual =
          latest.get(e.getKey()).getCodes().stream().mapToInt(Integer::intValue).toArray();
      assertArrayEquals(expected, actual, "codes of " + e.getKey() + " under version 2");
    }

    // A version that fails validation is dead-lettered and version 2 stays active.
    try (KafkaProducer<byte[], byte[]> producer = kafka.producer()) {
      producer
          .send(
              new ProducerRecord<>(
                  settings.codebooksTopic(),
                  "3".getBytes(StandardCharsets.UTF_8),
                  AvroBytes.encode(corrupt.toAvro())))
          .get();
      kafka.readUntil(
          settings.deadLettersTopic(),
          TIMEOUT,
          records ->
              records.stream()
                  .anyMatch(
                      r ->
                          AvroBytes.decode(DeadLetter.class, r.value())
                              .getReason()
                              .equals("INVALID_CODEBOOK")));
      ItemEvent late = bad("late-item").setTitle("Vitamin C brightening serum").build();
      producer
          .send(
              new ProducerRecord<>(
                  settings.itemsTopic(),
                  "late-item".getBytes(StandardCharsets.UTF_8),
                  AvroBytes.encode(late)))
          .get();
    }
    Map<String, ItemCodes> after =
        latestCodes(
            kafka.readUntil(
                settings.itemCodesTopic(), TIMEOUT, r -> latestCodes(r).containsKey("late-item")));
    assertEquals(2, after.get("late-item").getCodebookVersion());
    assertTrue(after.values().stream().noneMatch(c -> c.getCodebookVersion() == 3));
    assertEquals(JobStatus.RUNNING, flink.status(job), "bad input must never fail the job");
  }

  @Test
  @Order(3)
  void shouldTrainAndRollOutANewVersionWhenLiveItemsDrift() throws Exception {
    // The drift thresholds above are set for real items; the synthetic catalog's few templates
    // make its reference window too uniform to compare against, so without Beauty this one skips.
    assumeTrue(
        Files.isDirectory(beautyDir()),
        "skipped: needs Amazon Beauty at " + beautyDir().toAbsolutePath() + " (-Dmoc.shared.data)");
    // More real items (the reference window of version 2), then items far from any text seen so
    // far: random directions, brought with their own embedding.
    List<ItemEvent> more = catalogSlice(ITEMS, ITEMS + 150);
    List<float[]> strange = BenchData.unitVectors(150, SentenceEmbedder.DIMENSION, 5);
    try (KafkaProducer<byte[], byte[]> producer = kafka.producer()) {
      for (ItemEvent item : more) {
        validItems.put(item.getItemId(), item);
        send(producer, item.getItemId(), AvroBytes.encode(item));
      }
      for (int i = 0; i < strange.size(); i++) {
        ItemEvent item =
            BenchData.precomputedItem("drifted-" + i, strange.get(i), settings.embeddingModel());
        validItems.put(item.getItemId(), item);
        send(producer, item.getItemId(), AvroBytes.encode(item));
      }
    }

    // Version 3 is taken by the rejected one: the job's own new version is 4, and every item
    // ends up coded with it.
    List<ConsumerRecord<byte[], byte[]>> versions =
        kafka.readUntil(
            settings.codebooksTopic(),
            TIMEOUT,
            records ->
                records.stream().anyMatch(r -> CodebookEntry.decode(r.value()).version == 4));
    CodebookEntry v4 =
        versions.stream()
            .map(r -> CodebookEntry.decode(r.value()))
            .filter(v -> v.version == 4)
            .findFirst()
            .orElseThrow();
    assertTrue(v4.trainedOn > 50, "trained on the sample and the newest items: " + v4.trainedOn);
    kafka.readUntil(settings.itemCodesTopic(), TIMEOUT, everyValidItemAt(4));
    assertEquals(
        1,
        versions.stream().filter(r -> CodebookEntry.decode(r.value()).version == 4).count(),
        "the new version is published once");
    assertEquals(JobStatus.RUNNING, flink.status(job));
  }
}
