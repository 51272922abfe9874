package io.moc.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.moc.avro.AvroBytes;
import io.moc.avro.ImpressionEvent;
import io.moc.avro.ItemCodes;
import io.moc.avro.ItemEvent;
import io.moc.ctr.data.CtrDataset;
import io.moc.ctr.eval.OfflineComparison;
import io.moc.ctr.metrics.Auc;
import io.moc.ctr.model.CtrModelConfig;
import io.moc.ctr.online.FeatureContract;
import io.moc.ctr.online.ModelArtifact;
import io.moc.ctr.online.ModelSnapshotEntry;
import io.moc.ctr.online.OnlineCtrTrainer;
import io.moc.serving.ArtifactOpener;
import io.moc.serving.CtrScorer;
import io.moc.source.Dataset;
import io.moc.source.DatasetReplay;
import io.moc.source.SourceEvent;
import io.moc.testing.OneTorchThread;
import io.moc.training.OnlineModelSettings;
import io.moc.training.TrainingExample;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The online-against-offline comparison of {@code bin/moc local --compare-offline} on MovieLens,
 * against real ctr-models and item-codes topics: snapshots made by the online trainer itself
 * (outside Flink, which the training job's own ITCase covers), one before the test period and one
 * after it.
 */
@ExtendWith(OneTorchThread.class)
class OfflineComparisonITCase {

  private static final long SEED = 3;
  private static final long CODEBOOK = 1;
  private static final int K = 16;

  @RegisterExtension static final EmbeddedKafka.PerClass KAFKA = new EmbeddedKafka.PerClass();

  @TempDir Path store;

  /** Two codes per item, derived from its id: stable, and the same for every reader. */
  private static int[] codesOf(String itemId) {
    int h = itemId.hashCode() & 0x7fffffff;
    return new int[] {h % K, (h / K) % K};
  }

  private OnlineModelSettings settings() {
    // Small id tables and a short window, so that the twins train in seconds.
    return new OnlineModelSettings(
        store.toUri().toString(),
        1000,
        1,
        0,
        1,
        16,
        20,
        256,
        2000,
        7 * 86_400_000L,
        1000,
        2048,
        2048,
        K,
        8,
        2000,
        1,
        CtrModelConfig.Backbone.DEEPFM,
        CtrModelConfig.Fusion.GATE,
        1e-3f,
        false,
        100_000,
        1000,
        CtrModelConfig.ItemRepresentation.CODES);
  }

  private ProducerRecord<byte[], byte[]> snapshot(long version, OnlineCtrTrainer trainer)
      throws Exception {
    ModelArtifact artifact = trainer.artifact();
    Path file = store.resolve("model-v" + version + ".bin");
    Files.write(file, artifact.toBytes());
    ModelSnapshotEntry e = new ModelSnapshotEntry();
    e.version = version;
    e.codebookVersion = CODEBOOK;
    e.createdTime = version;
    e.examplesSeen = trainer.examplesSeen();
    e.artifactUri = file.toUri().toString();
    e.sha256 = artifact.sha256();
    e.setMetrics(
        Map.of(
            "last_event_time", (double) trainer.lastEventTime(),
            "prequential_auc", trainer.windowAuc(),
            "prequential_logloss", trainer.windowLogLoss()));
    return new ProducerRecord<>(
        "ctr-models",
        Long.toString(version).getBytes(StandardCharsets.UTF_8),
        AvroBytes.encode(e.toAvro()));
  }

  private static ProducerRecord<byte[], byte[]> codes(String itemId, long version, int[] codes) {
    return TestRecords.itemCodesRecord(itemId, TestRecords.itemCodes(itemId, version, codes));
  }

  @Test
  void shouldScoreTheLastSnapshotBeforeTheTestPeriodNextToAnOfflineTwin() throws Exception {
    Path movieLens =
        Path.of(System.getProperty("moc.shared.data", "../../shared/data"))
            .resolve("movielens-100k");
    // The comparison reads the dataset's own split; a clone without ../shared skips it.
    assumeTrue(
        Files.isDirectory(movieLens),
        "skipped: needs MovieLens at " + movieLens.toAbsolutePath() + " (-Dmoc.shared.data=DIR)");
    long testStart = CtrDataset.splitTimes(Dataset.read(movieLens).interactions()).testStartMs();
    OnlineModelSettings settings = settings();
    FeatureContract contract = settings.contract(CODEBOOK, 2);

    List<ImpressionEvent> test = new ArrayList<>();
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    DatasetReplay replay = new DatasetReplay(movieLens, SEED);
    for (ItemEvent item : replay.items()) {
      records.add(codes(item.getItemId(), CODEBOOK, codesOf(item.getItemId())));
      // Codes of a later version must not be mixed in: the frozen model reads version 1's.
      records.add(codes(item.getItemId(), CODEBOOK + 1, new int[] {0, 0}));
    }
    try (OnlineCtrTrainer trainer =
        OnlineCtrTrainer.create(settings.model(contract), contract, settings.trainer())) {
      while (replay.hasNext()) {
        if (!(replay.next() instanceof SourceEvent.Impression i)) {
          continue;
        }
        ImpressionEvent impression = i.impression();
        if (i.eventTimeMs() >= testStart && test.isEmpty()) {
          trainer.flush();
          records.add(snapshot(1, trainer));
        }
        if (i.eventTimeMs() >= testStart) {
          test.add(impression);
        }
        TrainingExample e = new TrainingExample();
        e.impressionId = impression.getImpressionId();
        e.userId = impression.getUserId();
        e.itemId = impression.getItemId();
        e.codebookVersion = CODEBOOK;
        e.codes = codesOf(e.itemId);
        e.clicked = impression.getClicked();
        e.eventTime = i.eventTimeMs();
        e.itemFirstSeen = i.eventTimeMs();
        trainer.accept(e);
      }
      trainer.flush();
      records.add(snapshot(2, trainer));
    }
    try (KafkaProducer<byte[], byte[]> producer = KAFKA.get().producer()) {
      records.forEach(producer::send);
      producer.flush();
    }

    OfflineComparison.Report report =
        new OfflineComparison(
                movieLens,
                SEED,
                io.moc.kafka.KafkaConnection.plaintext(KAFKA.get().bootstrapServers()),
                "ctr-models",
                "item-codes",
                settings,
                ArtifactOpener.local(),
                System.out)
            .run();

    assertEquals(test.size(), report.testExamples());
    assertEquals(0, report.testExamplesWithoutCodes());
    OfflineComparison.Frozen frozen = report.frozen();
    assertEquals(1L, frozen.modelVersion(), "the pre-test snapshot");
    // The same figure from the serving scorer, one impression at a time.
    ModelSnapshotEntry first = snapshotOne();
    Map<String, ItemCodes> codes = new HashMap<>();
    for (ItemEvent item : replay.items()) {
      codes.put(
          item.getItemId(),
          TestRecords.itemCodes(item.getItemId(), CODEBOOK, codesOf(item.getItemId())));
    }
    float[] p = new float[test.size()];
    float[] labels = new float[test.size()];
    try (CtrScorer scorer =
        CtrScorer.of(
            first, Files.readAllBytes(Path.of(java.net.URI.create(first.artifactUri))), codes)) {
      for (int n = 0; n < p.length; n++) {
        p[n] = scorer.score(test.get(n).getUserId(), test.get(n).getItemId());
        labels[n] = test.get(n).getClicked() ? 1 : 0;
      }
    }
    assertEquals(Auc.of(p, labels), frozen.scores().auc(), 1e-4);

    OfflineComparison.Twin<OfflineComparison.RefitRun> twin = report.offlineTwin();
    assertEquals(3, twin.seeds());
    assertEquals(3, twin.runs().size());
    assertTrue(twin.auc().mean() > 0.6, "the offline twin learns: " + twin);
    assertTrue(twin.auc().std() > 0, "three seeds, three models: " + twin);
    assertEquals(2L, report.prequential().modelVersion(), "the newest");
    assertEquals(frozen.scores().auc() - twin.auc().mean(), report.frozenMinusOfflineAuc(), 1e-12);
  }

  private ModelSnapshotEntry snapshotOne() {
    return CtrScorer.snapshots(
            io.moc.kafka.KafkaConnection.plaintext(KAFKA.get().bootstrapServers()), "ctr-models")
        .stream()
        .filter(s -> s.version == 1)
        .findFirst()
        .orElseThrow();
  }
}
