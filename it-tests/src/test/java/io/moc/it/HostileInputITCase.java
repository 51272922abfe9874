package io.moc.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.moc.audit.Audit;
import io.moc.avro.AvroBytes;
import io.moc.avro.DeadLetter;
import io.moc.avro.HostileMessages;
import io.moc.avro.ImpressionEvent;
import io.moc.avro.ItemEvent;
import io.moc.cli.MocCli;
import io.moc.cluster.FlinkRest;
import io.moc.common.CodebookOptions;
import io.moc.common.JobConfig;
import io.moc.common.KafkaOptions;
import io.moc.embed.SentenceEmbedder;
import io.moc.indexing.CodebookEntry;
import io.moc.indexing.IndexingJob;
import io.moc.indexing.IndexingOptions;
import io.moc.indexing.IndexingSettings;
import io.moc.local.LocalFlinkCluster;
import io.moc.local.Topics;
import io.moc.source.SourceEvent;
import io.moc.source.SyntheticCatalog;
import io.moc.training.TrainingJob;
import io.moc.training.TrainingOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Both jobs, running, against every kind of bad record a hostile producer can write, mixed into a
 * valid synthetic feed: the allocation bomb that once crash-looped the indexer, records at the
 * broker's size limit, and every malformed kind validation knows. Neither job restarts, every bad
 * record is dead-lettered with its reason at its coordinates, and the audit accounts for every
 * record.
 */
class HostileInputITCase {

  private static final Duration TIMEOUT = Duration.ofSeconds(180);

  /** Just under the broker's default max.message.bytes (1,048,588) with key and batch overhead. */
  private static final int NEAR_LIMIT = 1_048_450;

  @TempDir Path checkpoints;

  private final Map<String, String> expected = new TreeMap<>();
  private KafkaProducer<byte[], byte[]> producer;

  private void send(String topic, String key, byte[] value, String reason) throws Exception {
    RecordMetadata m =
        producer
            .send(
                new ProducerRecord<>(
                    topic, key == null ? null : key.getBytes(StandardCharsets.UTF_8), value))
            .get();
    if (reason != null) {
      expected.put(topic + "-" + m.partition() + "@" + m.offset(), reason);
    }
  }

  private static ItemEvent.Builder item(String id) {
    return ItemEvent.newBuilder()
        .setItemId(id)
        .setTitle("Hostile " + id)
        .setEventTime(Instant.now());
  }

  private static ItemEvent withEmbedding(String id, List<Float> embedding) {
    return item(id).setEmbedding(embedding).setEmbeddingModel(SentenceEmbedder.MODEL_NAME).build();
  }

  private static List<Float> filled(float value) {
    return new ArrayList<>(Collections.nCopies(SentenceEmbedder.DIMENSION, value));
  }

  private static ImpressionEvent.Builder impression(String id, String user, String item) {
    return ImpressionEvent.newBuilder()
        .setImpressionId(id)
        .setUserId(user)
        .setItemId(item)
        .setEventTime(Instant.now())
        .setClicked(false);
  }

  private void sendHostileRecords(IndexingSettings s, String impressions) throws Exception {
    String items = s.itemsTopic();
    send(items, "bomb", HostileMessages.allocationBomb("bomb"), "UNDECODABLE");
    send(items, "string-bomb", HostileMessages.stringBomb(Integer.MAX_VALUE), "UNDECODABLE");
    send(items, "near-limit", new byte[NEAR_LIMIT], "RECORD_TOO_LARGE");
    send(items, "bytes", new byte[] {0x00, 0x13, 0x37, 0x42}, "UNDECODABLE");
    byte[] valid = AvroBytes.encode(item("truncated").build());
    send(items, "truncated", Arrays.copyOf(valid, valid.length / 2), "UNDECODABLE");
    byte[] unknown = valid.clone();
    unknown[5] ^= 0x5a;
    send(items, "unknown-fingerprint", unknown, "UNDECODABLE");
    send(items, "wrong-schema", AvroBytes.encode(impression("i", "u", "x").build()), "UNDECODABLE");
    send(items, null, AvroBytes.encode(item("no-key").build()), "MISSING_KEY");
    send(items, "key", AvroBytes.encode(item("someone-else").build()), "KEY_MISMATCH");
    send(items, "no-id", AvroBytes.encode(item("").build()), "MISSING_ID");
    send(
        items,
        "no-text",
        AvroBytes.encode(item("no-text").setTitle(null).build()),
        "NO_TEXT_OR_EMBEDDING");
    send(
        items,
        "dimension",
        AvroBytes.encode(withEmbedding("dimension", List.of(0.1f, 0.2f))),
        "BAD_EMBEDDING_DIMENSION");
    List<Float> nan = filled(0.01f);
    nan.set(17, Float.NaN);
    send(items, "nan", AvroBytes.encode(withEmbedding("nan", nan)), "NON_FINITE_EMBEDDING");
    List<Float> inf = filled(0.01f);
    inf.set(3, Float.POSITIVE_INFINITY);
    send(items, "inf", AvroBytes.encode(withEmbedding("inf", inf)), "NON_FINITE_EMBEDDING");
    send(items, "zero", AvroBytes.encode(withEmbedding("zero", filled(0f))), "BAD_EMBEDDING_NORM");
    send(
        items,
        "huge",
        AvroBytes.encode(withEmbedding("huge", filled(1e30f))),
        "BAD_EMBEDDING_NORM");
    send(items, null, null, "MISSING_ID");

    send(s.codebooksTopic(), "999", new byte[] {1, 2, 3}, "INVALID_CODEBOOK");
    CodebookEntry forged = new CodebookEntry();
    forged.version = 1000;
    forged.method = "projected-kmeans";
    forged.embeddingModel = SentenceEmbedder.MODEL_NAME;
    forged.dimension = SentenceEmbedder.DIMENSION;
    forged.numCodebooks = 2;
    forged.codebookSize = 16;
    forged.artifact = new byte[] {9, 9, 9};
    forged.sha256 = "0".repeat(64);
    send(s.codebooksTopic(), "1000", AvroBytes.encode(forged.toAvro()), "INVALID_CODEBOOK");

    send(impressions, "u", new byte[NEAR_LIMIT], "RECORD_TOO_LARGE");
    send(impressions, "u", new byte[] {7, 7, 7}, "UNDECODABLE");
    send(impressions, "u", null, "UNDECODABLE");
    send(impressions, "u", AvroBytes.encode(impression("", "u", "x").build()), "MISSING_ID");
    send(
        impressions,
        "u",
        AvroBytes.encode(
            impression("neg", "u", "x").setEventTime(Instant.ofEpochMilli(-5)).build()),
        "BAD_EVENT_TIME");
    send(
        impressions,
        "u",
        AvroBytes.encode(impression("ghost", "u", "no-such-item").build()),
        "IMPRESSION_WITHOUT_CODES");
  }

  @Test
  void shouldDeadLetterEveryHostileRecordWithItsReasonWithoutRestartingEitherJob()
      throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start();
        LocalFlinkCluster flink = LocalFlinkCluster.start(5, 0)) {
      Configuration config = new Configuration();
      config.set(KafkaOptions.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
      config.set(IndexingOptions.TRAIN_AFTER_ITEMS, 50);
      config.set(CodebookOptions.CODEBOOK_SIZE, 16);
      config.set(IndexingOptions.NUM_CODEBOOKS, 2);
      config.set(TrainingOptions.JOIN_TIMEOUT, Duration.ofSeconds(30));
      config.set(TrainingOptions.PUBLISH_INTERVAL, Duration.ofSeconds(2));
      config.set(TrainingOptions.BATCH_SIZE, 32);
      config.set(TrainingOptions.MODEL_STORE, checkpoints.resolve("models").toUri().toString());
      config.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofSeconds(1));
      config.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
      config = JobConfig.withRuntimeDefaults(config);
      Topics.create(kafka.bootstrapServers(), Topics.definitions(config, 2));
      IndexingSettings settings = IndexingOptions.read(config);
      String impressions = config.get(KafkaOptions.IMPRESSIONS_TOPIC);

      StreamExecutionEnvironment indexingEnv =
          StreamExecutionEnvironment.getExecutionEnvironment(config);
      indexingEnv.setParallelism(1);
      IndexingJob.buildWithKafka(indexingEnv, settings, IndexingJob.textEmbedder(settings));
      JobID indexing = flink.submit(indexingEnv, "hostile-indexing");
      StreamExecutionEnvironment trainingEnv =
          StreamExecutionEnvironment.getExecutionEnvironment(config);
      trainingEnv.setParallelism(1);
      TrainingJob.buildWithKafka(trainingEnv, TrainingOptions.read(config));
      JobID training = flink.submit(trainingEnv, "hostile-training");

      Properties p = new Properties();
      p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
      p.put(ProducerConfig.ACKS_CONFIG, "all");
      // The near-limit records are over the producer's default 1 MiB request size.
      p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, "2000000");
      p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
      p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
      producer = new KafkaProducer<>(p);
      try {
        SyntheticCatalog catalog = SyntheticCatalog.builder().seed(11).users(50).build();
        int items = 0;
        while (items < 150) {
          SourceEvent event = catalog.next();
          if (event instanceof SourceEvent.Item i) {
            send(settings.itemsTopic(), i.item().getItemId(), AvroBytes.encode(i.item()), null);
            if (++items == 75) {
              sendHostileRecords(settings, impressions);
            }
          } else if (event instanceof SourceEvent.Impression i) {
            send(impressions, i.impression().getUserId(), AvroBytes.encode(i.impression()), null);
          }
        }
      } finally {
        producer.close();
      }

      List<ConsumerRecord<byte[], byte[]>> letters =
          kafka.readUntil(
              settings.deadLettersTopic(),
              TIMEOUT,
              r -> found(r).keySet().containsAll(expected.keySet()));
      Map<String, String> found = found(letters);
      found.keySet().retainAll(expected.keySet());
      assertEquals(expected, found);

      Audit.Result audit =
          new Audit(io.moc.common.KafkaOptions.connection(config), Audit.Topics.of(config))
              .runUntilAccounted(TIMEOUT.toMillis());
      assertTrue(audit.accountsForEverything(), audit.table());
      assertTrue(audit.items().get(Audit.Outcome.CODED) >= 140, audit.table());
      assertTrue(audit.impressionsTrained() > 0, audit.table());
      assertEquals(1, audit.activeCodebookVersion(), audit.table());
      assertTrue(audit.rejectedCodebookVersions().contains(1000L), audit.table());

      // The command line says the same, and exits 1 once a model version appears twice.
      Path auditReport = checkpoints.resolve("audit.json");
      ByteArrayOutputStream console = new ByteArrayOutputStream();
      String[] auditArgs = {
        "audit", "--bootstrap-servers", kafka.bootstrapServers(), "--report", auditReport.toString()
      };
      assertEquals(
          0, MocCli.run(auditArgs, new PrintStream(console, true), System.err), console.toString());
      assertTrue(console.toString().contains("Every record is accounted for."), console.toString());
      assertTrue(
          new ObjectMapper().readTree(auditReport.toFile()).get("accounted_for").asBoolean());
      String models = config.get(KafkaOptions.CTR_MODELS_TOPIC);
      ConsumerRecord<byte[], byte[]> snapshot =
          kafka.readUntil(models, TIMEOUT, r -> !r.isEmpty()).get(0);
      try (KafkaProducer<byte[], byte[]> again = kafka.producer()) {
        again.send(new ProducerRecord<>(models, snapshot.key(), snapshot.value())).get();
      }
      console.reset();
      assertEquals(
          1, MocCli.run(auditArgs, new PrintStream(console, true), System.err), console.toString());
      assertTrue(
          console.toString().contains("ERROR model versions published twice"), console.toString());

      FlinkRest rest = new FlinkRest(flink.dashboardUrl());
      for (JobID job : List.of(indexing, training)) {
        assertEquals(JobStatus.RUNNING, flink.status(job));
        assertTrue(!flink.everRestarted(job), "no bad record may restart a job");
        assertEquals(0, rest.restarts(job.toHexString()), "no bad record may restart a job");
      }
      flink.cancel(training);
      flink.cancel(indexing);
    }
  }

  /** Dead letters by the coordinates of the record they stand for, with their reason. */
  private static Map<String, String> found(List<ConsumerRecord<byte[], byte[]>> letters) {
    Map<String, String> out = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : letters) {
      DeadLetter d = AvroBytes.decode(DeadLetter.class, r.value());
      out.put(d.getSourceTopic() + "-" + d.getPartition() + "@" + d.getOffset(), d.getReason());
    }
    return out;
  }
}
