package io.moc.indexing;

import io.moc.avro.AvroBytes;
import io.moc.avro.ItemEvent;
import io.moc.codebook.Codebook;
import io.moc.codebook.ProjectedKMeansTrainer;
import io.moc.common.RawRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Builders for the records the indexing functions see, shared by their tests. */
final class TestItems {

  static final String MODEL = "test-model";
  static final int DIM = 8;

  private TestItems() {}

  static IndexingSettings settings() {
    return settings(lifecycle());
  }

  static IndexingSettings settings(CodebookLifecycle lifecycle) {
    return settings(lifecycle, "projected-kmeans");
  }

  static IndexingSettings settings(CodebookLifecycle lifecycle, String method) {
    return builder(lifecycle, method).build();
  }

  /** The settings of {@link #settings(CodebookLifecycle, String)}, to change some of. */
  static IndexingSettings.Builder builder(CodebookLifecycle lifecycle, String method) {
    return IndexingSettings.builder()
        .kafka(io.moc.kafka.KafkaConnection.plaintext("localhost:9092"))
        .itemsTopic("items")
        .itemCodesTopic("item-codes")
        .codebooksTopic("codebooks")
        .deadLettersTopic("dead-letters")
        .groupId("g")
        .embeddingModel(MODEL)
        .embeddingDimension(DIM)
        .embedBatchSize(4)
        .embedMaxWaitMillis(20)
        .embedMaxTokens(128)
        .embedBatchInvariant(true)
        .embedSlotSharingGroup("gpu")
        .embedParallelism(-1)
        .numCodebooks(2)
        .codebookSize(4)
        .projectedDimension(3)
        .trainAfterItems(10)
        .reservoirSize(100)
        .kmeansIterations(10)
        .seed(42)
        .codebookMethod(method)
        .lifecycle(lifecycle)
        .input(io.moc.common.InputSettings.defaults());
  }

  /** No schedule; drift measured every 10 items on the newest 20; re-coding in steps of 4. */
  static CodebookLifecycle lifecycle() {
    return new CodebookLifecycle(0, 10, 20, 10, 1.5, 0.5, 0.15, 4, 20, "", 0, true);
  }

  static ItemEvent.Builder item(String id, String title) {
    return ItemEvent.newBuilder()
        .setItemId(id)
        .setTitle(title)
        .setEventTime(Instant.ofEpochMilli(1000));
  }

  static RawRecord raw(String key, byte[] value, long offset) {
    return new RawRecord(
        "items",
        0,
        offset,
        5000 + offset,
        key == null ? null : key.getBytes(StandardCharsets.UTF_8),
        value);
  }

  static RawRecord raw(ItemEvent event, long offset) {
    return raw(event.getItemId(), AvroBytes.encode(event), offset);
  }

  static float[] vector(long seed) {
    Random r = new Random(seed);
    float[] v = new float[DIM];
    for (int i = 0; i < DIM; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return v;
  }

  static EmbeddedItem embedded(String id, float[] embedding, long eventTime) {
    EmbeddedItem e = new EmbeddedItem();
    e.itemId = id;
    e.embedding = embedding;
    e.eventTime = eventTime;
    return e;
  }

  static EmbeddedItem deleted(String id) {
    EmbeddedItem e = new EmbeddedItem();
    e.itemId = id;
    e.deleted = true;
    return e;
  }

  static CodebookEntry codebookVersion(long version, long seed) {
    List<float[]> sample = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      sample.add(vector(seed * 1000 + i));
    }
    Codebook codebook = new ProjectedKMeansTrainer(2, 4, 3, 10, seed).train(MODEL, sample);
    return CodebookEntry.of(version, codebook, sample);
  }
}
