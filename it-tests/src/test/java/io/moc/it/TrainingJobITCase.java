package io.moc.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moc.avro.AvroBytes;
import io.moc.avro.DeadLetter;
import io.moc.avro.ImpressionEvent;
import io.moc.avro.ModelSnapshot;
import io.moc.codebook.ProjectedKMeansCodebook;
import io.moc.codebook.ProjectedKMeansTrainer;
import io.moc.common.AvroRecordSerializer;
import io.moc.common.CodebookOptions;
import io.moc.common.DeadLetterReason;
import io.moc.common.JobConfig;
import io.moc.common.KafkaOptions;
import io.moc.ctr.model.CtrModel;
import io.moc.ctr.model.CtrModelConfig;
import io.moc.ctr.online.ModelArtifact;
import io.moc.indexing.CodebookEntry;
import io.moc.indexing.CodedItem;
import io.moc.local.LocalFlinkCluster;
import io.moc.local.Topics;
import io.moc.training.TrainCtrOperator;
import io.moc.training.TrainingOptions;
import io.moc.training.TrainingSettings;
import io.moc.util.Sha256;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The CTR training job against a real broker: impressions joined with item codes train the model,
 * whose snapshots appear on ctr-models with increasing versions and verifiable artifacts; an
 * impression whose item never gets codes is dead-lettered; and after the loss of its TaskManager
 * training resumes from the checkpointed model without publishing a version twice.
 */
class TrainingJobITCase {

  private static final Duration TIMEOUT = Duration.ofSeconds(90);
  private static final int ITEMS = 200;
  private static final int CODEBOOK_SIZE = 8;
  private static final long CODEBOOK_VERSION = 3;
  private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

  @TempDir Path dir;

  /** Codes of item {@code i}: the first code decides how clickable the item is. */
  private static int[] codes(int i) {
    return new int[] {i % CODEBOOK_SIZE, (i / CODEBOOK_SIZE) % CODEBOOK_SIZE};
  }

  private static String itemId(int i) {
    return "item-" + i;
  }

  private Configuration config(EmbeddedKafka kafka) {
    Configuration config = new Configuration();
    config.set(KafkaOptions.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
    config.set(CodebookOptions.CODEBOOK_SIZE, CODEBOOK_SIZE);
    config.set(TrainingOptions.MODEL_STORE, dir.resolve("models").toUri().toString());
    config.set(TrainingOptions.PUBLISH_INTERVAL, Duration.ofSeconds(1));
    config.set(TrainingOptions.RETRAIN_INTERVAL, Duration.ZERO);
    config.set(TrainingOptions.BATCH_SIZE, 64);
    config.set(TrainingOptions.WINDOW_SIZE, 2000);
    config.set(TrainingOptions.USER_BUCKETS, 256);
    config.set(TrainingOptions.ITEM_BUCKETS, 256);
    // Short, so that impressions of items that never get codes reach the dead letters quickly.
    config.set(TrainingOptions.JOIN_TIMEOUT, Duration.ofSeconds(2));
    config.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofSeconds(1));
    config.set(
        CheckpointingOptions.CHECKPOINTS_DIRECTORY, dir.resolve("checkpoints").toUri().toString());
    return JobConfig.withRuntimeDefaults(config);
  }

  /** The settings {@code config} gives, with their topics created (two partitions each). */
  private static TrainingSettings withTopics(EmbeddedKafka kafka, Configuration config)
      throws Exception {
    Topics.create(kafka.bootstrapServers(), Topics.definitions(config, 2));
    return TrainingOptions.read(config);
  }

  private static void publishCodes(KafkaProducer<byte[], byte[]> producer, String topic)
      throws Exception {
    for (int i = 0; i < ITEMS; i++) {
      long t = START.toEpochMilli();
      producer.send(CodedItem.of(itemId(i), CODEBOOK_VERSION, codes(i), 0f, t, t).toRecord(topic));
    }
    producer.flush();
  }

  /**
   * Impressions {@code from} (inclusive) to {@code to} of a fixed stream: a random user sees a
   * random item and clicks with probability 0.6 when the item's first code is below half of K, 0.05
   * otherwise.
   */
  private static void publishImpressions(
      KafkaProducer<byte[], byte[]> producer, String topic, int from, int to) throws Exception {
    Random random = new Random(11);
    for (int n = 0; n < to; n++) {
      int item = random.nextInt(ITEMS);
      String user = "user-" + random.nextInt(100);
      boolean clicked = random.nextDouble() < (codes(item)[0] < CODEBOOK_SIZE / 2 ? 0.6 : 0.05);
      if (n >= from) {
        publishImpression(producer, topic, "imp-" + n, user, itemId(item), n, clicked);
      }
    }
    producer.flush();
  }

  private static void publishImpression(
      KafkaProducer<byte[], byte[]> producer,
      String topic,
      String id,
      String user,
      String item,
      int n,
      boolean clicked) {
    ImpressionEvent e =
        ImpressionEvent.newBuilder()
            .setImpressionId(id)
            .setUserId(user)
            .setItemId(item)
            .setEventTime(START.plusMillis(100L * n))
            .setClicked(clicked)
            .build();
    producer.send(
        new ProducerRecord<>(topic, user.getBytes(StandardCharsets.UTF_8), AvroBytes.encode(e)));
  }

  private static List<ModelSnapshot> snapshots(List<ConsumerRecord<byte[], byte[]>> records) {
    return records.stream().map(r -> AvroBytes.decode(ModelSnapshot.class, r.value())).toList();
  }

  private static double metric(ModelSnapshot s, String name) {
    return s.getMetrics().getOrDefault(name, Double.NaN);
  }

  private static boolean trainedAtLeast(List<ConsumerRecord<byte[], byte[]>> records, long n) {
    return snapshots(records).stream().anyMatch(s -> metric(s, "examples_trained") >= n);
  }

  /** Every snapshot's key is its version, no version appears twice, and versions increase. */
  private static void assertVersionsIncreaseOnce(List<ConsumerRecord<byte[], byte[]>> records) {
    Set<String> keys = new HashSet<>();
    long previous = -1;
    for (ConsumerRecord<byte[], byte[]> r : records) {
      String key = new String(r.key(), StandardCharsets.UTF_8);
      ModelSnapshot s = AvroBytes.decode(ModelSnapshot.class, r.value());
      assertTrue(keys.add(key), "version " + key + " published twice");
      assertEquals(Long.toString(s.getVersion()), key);
      assertTrue(s.getVersion() > previous, "version " + s.getVersion() + " after " + previous);
      previous = s.getVersion();
    }
  }

  @Test
  void shouldPublishVersionedSnapshotsOfALearningModelAndDeadLetterImpressionsWithoutCodes()
      throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start();
        LocalFlinkCluster flink = LocalFlinkCluster.start(2, 0);
        KafkaProducer<byte[], byte[]> producer = kafka.producer()) {
      Configuration config = config(kafka);
      TrainingSettings settings = withTopics(kafka, config);
      JobID job = flink.submitTraining(config, 1, "training-it");

      publishCodes(producer, settings.itemCodesTopic());
      // In two halves, with a snapshot in between: training outpaces the publish interval.
      publishImpressions(producer, settings.impressionsTopic(), 0, 2000);
      kafka.readUntil(settings.ctrModelsTopic(), TIMEOUT, r -> trainedAtLeast(r, 1900));
      publishImpressions(producer, settings.impressionsTopic(), 2000, 4000);
      for (int n = 0; n < 5; n++) {
        publishImpression(
            producer, settings.impressionsTopic(), "ghost-" + n, "user-1", "ghost-item", n, false);
      }
      producer.flush();

      List<ConsumerRecord<byte[], byte[]>> records =
          kafka.readUntil(settings.ctrModelsTopic(), TIMEOUT, r -> trainedAtLeast(r, 3500));
      assertVersionsIncreaseOnce(records);
      List<ModelSnapshot> published = snapshots(records);
      assertTrue(published.size() >= 2, "snapshots: " + published.size());
      for (ModelSnapshot s : published) {
        assertEquals(CODEBOOK_VERSION, s.getCodebookVersion(), s.toString());
        byte[] artifact = Files.readAllBytes(Path.of(URI.create(s.getArtifactUri())));
        assertEquals(s.getSha256(), Sha256.hex(artifact), s.getArtifactUri());
      }
      ModelSnapshot last = published.get(published.size() - 1);
      assertTrue(metric(last, "prequential_auc") > 0.6, last.toString());

      List<DeadLetter> deadLetters =
          kafka.readUntil(settings.deadLettersTopic(), TIMEOUT, r -> r.size() >= 5).stream()
              .map(r -> AvroBytes.decode(DeadLetter.class, r.value()))
              .toList();
      assertEquals(5, deadLetters.size(), deadLetters.toString());
      for (DeadLetter d : deadLetters) {
        assertEquals(DeadLetterReason.IMPRESSION_WITHOUT_CODES.name(), d.getReason());
        byte[] value = new byte[d.getValue().remaining()];
        d.getValue().duplicate().get(value);
        ImpressionEvent e = AvroBytes.decode(ImpressionEvent.class, value);
        assertEquals("ghost-item", e.getItemId());
      }
      flink.cancel(job);
    }
  }

  @Test
  void shouldResumeTrainingFromTheCheckpointAfterATaskManagerFailure() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start();
        LocalFlinkCluster flink = LocalFlinkCluster.start(2, 0);
        KafkaProducer<byte[], byte[]> producer = kafka.producer()) {
      Configuration config = config(kafka);
      TrainingSettings settings = withTopics(kafka, config);
      JobID job = flink.submitTraining(config, 1, "training-failover-it");

      publishCodes(producer, settings.itemCodesTopic());
      publishImpressions(producer, settings.impressionsTopic(), 0, 3000);
      List<ModelSnapshot> before =
          snapshots(
              kafka.readUntil(settings.ctrModelsTopic(), TIMEOUT, r -> trainedAtLeast(r, 2500)));
      ModelSnapshot lastBefore = before.get(before.size() - 1);
      assertTrue(metric(lastBefore, "prequential_auc") > 0.6, lastBefore.toString());
      // The model that trained on those examples is in a completed checkpoint.
      flink.awaitCheckpointsBeyond(job, flink.completedCheckpoints(job), TIMEOUT);

      flink.replaceTaskManager();
      // Published while the job is down or restoring: read from the checkpointed offsets. Few,
      // so that a model trained from scratch on them would still be near AUC 0.5.
      publishImpressions(producer, settings.impressionsTopic(), 3000, 3600);
      List<ConsumerRecord<byte[], byte[]>> records =
          kafka.readUntil(settings.ctrModelsTopic(), TIMEOUT, r -> trainedAtLeast(r, 3500));

      assertVersionsIncreaseOnce(records);
      List<ModelSnapshot> all = snapshots(records);
      double previousTrained = -1;
      for (ModelSnapshot s : all) {
        // A model started afresh after the failure would count its examples from zero again.
        double trained = metric(s, "examples_trained");
        assertTrue(trained >= previousTrained, "examples trained fell back: " + all);
        previousTrained = trained;
      }
      List<ModelSnapshot> after =
          all.stream().filter(s -> s.getVersion() > lastBefore.getVersion()).toList();
      assertTrue(!after.isEmpty(), "no snapshot after the failure: " + all);
      for (ModelSnapshot s : after) {
        assertTrue(metric(s, "prequential_auc") > 0.6, "after the failure: " + s);
        // The restored model's window still holds its predictions from before the failure.
        assertTrue(
            metric(s, "prequential_auc") >= metric(lastBefore, "prequential_auc") - 0.05,
            "AUC fell back after the failure: " + lastBefore + " then " + s);
        assertTrue(
            metric(s, "examples_trained") > metric(lastBefore, "examples_trained"),
            "after the failure: " + s);
      }
      flink.cancel(job);
    }
  }

  @Test
  void shouldTrainOneModelOnTwoReplicasAndResumeThemAfterATaskManagerFailure() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start();
        LocalFlinkCluster flink = LocalFlinkCluster.start(2, 0);
        KafkaProducer<byte[], byte[]> producer = kafka.producer()) {
      Configuration config = config(kafka);
      config.set(TrainingOptions.TRAINER_PARALLELISM, 2);
      config.set(TrainingOptions.AVERAGING_INTERVAL, Duration.ofMillis(200));
      TrainingSettings settings = withTopics(kafka, config);
      JobID job = flink.submitTraining(config, 1, "training-replicas-it");

      publishCodes(producer, settings.itemCodesTopic());
      publishImpressions(producer, settings.impressionsTopic(), 0, 3000);
      // Counted over both replicas as of a round: every impression, once.
      List<ModelSnapshot> before =
          snapshots(
              kafka.readUntil(
                  settings.ctrModelsTopic(),
                  TIMEOUT,
                  r -> snapshots(r).stream().anyMatch(s -> impressions(s) == 3000)));
      ModelSnapshot lastBefore = before.get(before.size() - 1);
      assertEquals(2.0, metric(lastBefore, "trainer_replicas"), lastBefore.toString());
      assertTrue(metric(lastBefore, "prequential_auc") > 0.6, lastBefore.toString());
      for (ModelSnapshot s : before) {
        assertTrue(impressions(s) <= 3000, "counted twice: " + s);
      }
      flink.awaitCheckpointsBeyond(job, flink.completedCheckpoints(job), TIMEOUT);

      flink.replaceTaskManager();
      publishImpressions(producer, settings.impressionsTopic(), 3000, 3600);
      List<ConsumerRecord<byte[], byte[]>> records =
          kafka.readUntil(
              settings.ctrModelsTopic(),
              TIMEOUT,
              r -> snapshots(r).stream().anyMatch(s -> impressions(s) == 3600));
      assertVersionsIncreaseOnce(records);
      List<ModelSnapshot> after =
          snapshots(records).stream()
              .filter(s -> s.getVersion() > lastBefore.getVersion())
              .toList();
      assertTrue(!after.isEmpty(), "no snapshot after the failure");
      ModelSnapshot last = after.get(after.size() - 1);
      // Both replicas came back with their models: the merged one is as good as before.
      assertTrue(
          metric(last, "prequential_auc") >= metric(lastBefore, "prequential_auc") - 0.05,
          "AUC fell back after the failure: " + lastBefore + " then " + last);
      assertTrue(metric(last, "examples_trained") > metric(lastBefore, "examples_trained"));
      flink.cancel(job);
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = CtrModelConfig.ItemRepresentation.class,
      names = {"CODE_VECTORS", "CODES_AND_CODE_VECTORS"})
  void shouldTrainACodeVectorsModelFromTheCodebookOnTheTopicAndPublishItsVectorsInTheArtifact(
      CtrModelConfig.ItemRepresentation representation) throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start();
        LocalFlinkCluster flink = LocalFlinkCluster.start(2, 0);
        KafkaProducer<byte[], byte[]> producer = kafka.producer()) {
      Configuration config = config(kafka);
      config.set(TrainingOptions.ITEM_REPRESENTATION, representation);
      TrainingSettings settings = withTopics(kafka, config);
      // The indexer's codebook of the codes' version: 2 codebooks of K codes.
      Random random = new Random(4);
      List<float[]> sample = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        float[] x = new float[16];
        for (int j = 0; j < x.length; j++) {
          x[j] = (float) random.nextGaussian();
        }
        sample.add(x);
      }
      float[][] vectors;
      try (ProjectedKMeansCodebook codebook =
          new ProjectedKMeansTrainer(2, CODEBOOK_SIZE, 8, 10, 4).train("m", sample)) {
        CodebookEntry entry = CodebookEntry.of(CODEBOOK_VERSION, codebook, sample);
        producer.send(
            new ProducerRecord<>(
                settings.codebooksTopic(),
                AvroRecordSerializer.versionKey(CODEBOOK_VERSION),
                AvroBytes.encode(entry.toAvro())));
        vectors = CtrModel.codeVectorsOf(codebook);
      }
      JobID job = flink.submitTraining(config, 1, "training-code-vectors-it");
      publishCodes(producer, settings.itemCodesTopic());
      publishImpressions(producer, settings.impressionsTopic(), 0, 3000);

      List<ModelSnapshot> published =
          snapshots(
              kafka.readUntil(settings.ctrModelsTopic(), TIMEOUT, r -> trainedAtLeast(r, 2500)));
      ModelSnapshot last = published.get(published.size() - 1);
      assertTrue(metric(last, "prequential_auc") > 0.6, last.toString());
      // The last full one (the others are deltas on it).
      ModelSnapshot full =
          published.stream().filter(p -> p.getBaseVersion() < 0).reduce((a, b) -> b).orElseThrow();
      ModelArtifact artifact =
          ModelArtifact.fromBytes(Files.readAllBytes(Path.of(URI.create(full.getArtifactUri()))));
      try (CtrModel model = CtrModel.fromBytes(artifact.modelBytes())) {
        assertEquals(representation, model.config().representation());
        assertEquals(2 * (vectors[0].length / CODEBOOK_SIZE), model.config().denseDimension());
      }
      flink.cancel(job);
    }
  }

  private static double impressions(ModelSnapshot s) {
    return metric(s, TrainCtrOperator.IMPRESSIONS_TRAINED_METRIC);
  }
}
