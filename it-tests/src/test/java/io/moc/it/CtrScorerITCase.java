package io.moc.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moc.avro.AvroBytes;
import io.moc.ctr.model.CtrModel;
import io.moc.ctr.model.CtrModelConfig.Fusion;
import io.moc.ctr.model.CtrModelConfig.ItemRepresentation;
import io.moc.ctr.online.FeatureContract;
import io.moc.ctr.online.ModelArtifact;
import io.moc.ctr.online.ModelDelta;
import io.moc.ctr.online.ModelSnapshotEntry;
import io.moc.serving.ArtifactOpener;
import io.moc.serving.CtrScorer;
import io.moc.testing.OneTorchThread;
import io.moc.util.Poll;
import io.moc.util.Sha256;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The serving scorer against real ctr-models and item-codes topics. */
@ExtendWith(OneTorchThread.class)
class CtrScorerITCase {

  private static final long CODEBOOK = 5;
  private static final FeatureContract CONTRACT = new FeatureContract(CODEBOOK, 64, 256, 3, 8);

  @RegisterExtension static final EmbeddedKafka.PerClass KAFKA = new EmbeddedKafka.PerClass();

  @TempDir Path store;

  private static ModelArtifact artifact(int seed) {
    try (CtrModel model =
        CtrModel.create(
            CONTRACT
                .modelConfig(ItemRepresentation.UNIFIED)
                .fusion(Fusion.GATE)
                .embeddingDim(8)
                .mlpSizes(16, 8)
                .seed(seed)
                .build(),
            CODEBOOK)) {
      return ModelArtifact.of(model, CONTRACT);
    }
  }

  private ProducerRecord<byte[], byte[]> snapshot(long version, ModelArtifact artifact)
      throws Exception {
    byte[] bytes = artifact.toBytes();
    Path file = store.resolve("model-v" + version + ".bin");
    Files.write(file, bytes);
    ModelSnapshotEntry e = new ModelSnapshotEntry();
    e.version = version;
    e.codebookVersion = CODEBOOK;
    e.createdTime = 1000 + version;
    e.artifactUri = file.toUri().toString();
    e.sha256 = artifact.sha256();
    return new ProducerRecord<>(
        "ctr-models",
        Long.toString(version).getBytes(StandardCharsets.UTF_8),
        AvroBytes.encode(e.toAvro()));
  }

  private static ProducerRecord<byte[], byte[]> codes(
      String key, String itemId, long version, int... codes) {
    return TestRecords.itemCodesRecord(key, TestRecords.itemCodes(itemId, version, codes));
  }

  private static KafkaProducer<byte[], byte[]> transactional() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.get().bootstrapServers());
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "ctr-models-it");
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p);
    producer.initTransactions();
    return producer;
  }

  @Test
  void loadsTheNewestCommittedSnapshotAndScoresItemsOfItsCodebookVersion() throws Exception {
    ModelArtifact v2 = artifact(2);
    try (KafkaProducer<byte[], byte[]> models = transactional();
        KafkaProducer<byte[], byte[]> codes = KAFKA.get().producer()) {
      models.beginTransaction();
      models.send(snapshot(1, artifact(1)));
      models.send(snapshot(2, v2));
      models.commitTransaction();
      // Announced but aborted: never published, though its number is higher.
      models.beginTransaction();
      models.send(snapshot(3, artifact(3)));
      models.flush();
      models.abortTransaction();

      codes.send(codes("a", "a", CODEBOOK, 1, 2, 3));
      codes.send(codes("b", "b", CODEBOOK, 7, 0, 4));
      codes.send(codes("c", "c", CODEBOOK - 1, 1, 1, 1));
      codes.send(codes("d", "d", CODEBOOK, 2, 2, 2));
      codes.send(new ProducerRecord<>("item-codes", "d".getBytes(StandardCharsets.UTF_8), null));
      codes.send(codes("x", "e", CODEBOOK, 1, 1, 1));
      codes.flush();

      try (CtrScorer scorer =
              CtrScorer.latest(
                  io.moc.kafka.KafkaConnection.plaintext(KAFKA.get().bootstrapServers()),
                  "ctr-models",
                  "item-codes",
                  ArtifactOpener.local());
          ModelArtifact.Scorer reference = v2.open()) {
        assertEquals(2, scorer.modelVersion());
        assertEquals(CODEBOOK, scorer.codebookVersion());
        assertEquals(2, scorer.itemsKnown());
        assertEquals(1, scorer.itemsOfOtherVersions());
        assertEquals(1, scorer.recordsSkipped());
        assertTrue(scorer.canScore("a") && scorer.canScore("b"));
        assertFalse(scorer.canScore("c") || scorer.canScore("d") || scorer.canScore("e"));
        assertEquals(
            reference.score("user-1", "a", new int[] {1, 2, 3}), scorer.score("user-1", "a"));
        float[] ranked = scorer.score("user-1", List.of("b", "c"));
        assertTrue(Float.isNaN(ranked[1]));

        // Later codes and a newer committed snapshot arrive through refresh.
        ModelArtifact v4 = artifact(4);
        models.beginTransaction();
        models.send(snapshot(4, v4));
        models.commitTransaction();
        codes.send(codes("f", "f", CODEBOOK, 0, 1, 2));
        codes.flush();
        awaitRefresh(scorer);
        assertEquals(4, scorer.modelVersion());
        assertEquals(3, scorer.itemsKnown());
        try (ModelArtifact.Scorer newer = v4.open()) {
          assertEquals(
              newer.score("user-2", "f", new int[] {0, 1, 2}), scorer.score("user-2", "f"));
        }
        assertFalse(scorer.refresh());

        // A delta on version 4 rebuilds version 5 exactly.
        ModelArtifact v5 = artifact(5);
        models.beginTransaction();
        models.send(delta(5, 4, v4, v5, v4.sha256()));
        models.commitTransaction();
        awaitRefresh(scorer);
        assertEquals(5, scorer.modelVersion());
        try (ModelArtifact.Scorer newer = v5.open()) {
          assertEquals(
              newer.score("user-3", "f", new int[] {0, 1, 2}), scorer.score("user-3", "f"));
        }
        // One that claims another base than version 4's artifact is refused; 5 stays.
        models.beginTransaction();
        models.send(delta(6, 4, v4, artifact(6), v5.sha256()));
        models.commitTransaction();
        // The committed record may reach the scorer's consumer a poll later: refresh until it does.
        AtomicReference<IllegalArgumentException> refused = new AtomicReference<>();
        Poll.until(
            "the scorer to refuse version 6",
            Duration.ofSeconds(30),
            () -> {
              try {
                scorer.refresh();
                return false;
              } catch (IllegalArgumentException e) {
                refused.set(e);
                return true;
              }
            });
        assertTrue(refused.get().getMessage().contains("version 6"), refused.get().getMessage());
        assertEquals(5, scorer.modelVersion());
      }
    }
  }

  /** Refreshes until a newer committed snapshot is loaded (its record may arrive a poll later). */
  private static void awaitRefresh(CtrScorer scorer) throws Exception {
    Poll.until("a newer snapshot in the scorer", Duration.ofSeconds(30), scorer::refresh);
  }

  /**
   * Version {@code version} as a delta on {@code base}, announcing {@code baseSha} as its base's.
   */
  private ProducerRecord<byte[], byte[]> delta(
      long version, long base, ModelArtifact from, ModelArtifact to, String baseSha)
      throws Exception {
    byte[] delta = ModelDelta.between(from.toBytes(), to.toBytes());
    Path file = store.resolve("model-v" + version + ".delta");
    Files.write(file, delta);
    ModelSnapshotEntry e = new ModelSnapshotEntry();
    e.version = version;
    e.codebookVersion = CODEBOOK;
    e.createdTime = 1000 + version;
    e.artifactUri = file.toUri().toString();
    e.sha256 = Sha256.hex(delta);
    e.baseVersion = base;
    e.baseSha256 = baseSha;
    e.modelSha256 = to.sha256();
    return new ProducerRecord<>(
        "ctr-models",
        Long.toString(version).getBytes(StandardCharsets.UTF_8),
        AvroBytes.encode(e.toAvro()));
  }
}
