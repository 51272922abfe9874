package io.moc.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moc.avro.AvroBytes;
import io.moc.avro.ItemCodes;
import io.moc.avro.ItemEvent;
import io.moc.common.CodebookOptions;
import io.moc.common.JobConfig;
import io.moc.common.KafkaOptions;
import io.moc.indexing.IndexingJob;
import io.moc.indexing.IndexingOptions;
import io.moc.indexing.IndexingSettings;
import io.moc.local.LocalFlinkCluster;
import io.moc.local.Topics;
import io.moc.source.SourceEvent;
import io.moc.source.SyntheticCatalog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The indexing job survives the loss of its TaskManager: it restores from the last checkpoint,
 * codes every item published before, during and after the failure, and never publishes a codebook
 * version twice.
 */
class IndexingFailoverITCase {

  private static final Duration TIMEOUT = Duration.ofSeconds(120);

  @TempDir Path checkpoints;

  private static List<ItemEvent> items(int n) {
    SyntheticCatalog catalog =
        SyntheticCatalog.builder().seed(3).republishFraction(0).titleChangeFraction(0).build();
    List<ItemEvent> items = new ArrayList<>();
    while (items.size() < n) {
      if (catalog.next() instanceof SourceEvent.Item item) {
        items.add(item.item());
      }
    }
    return items;
  }

  private static void publish(
      KafkaProducer<byte[], byte[]> producer, String topic, List<ItemEvent> items)
      throws Exception {
    for (ItemEvent item : items) {
      producer.send(
          new ProducerRecord<>(
              topic, item.getItemId().getBytes(StandardCharsets.UTF_8), AvroBytes.encode(item)));
    }
    producer.flush();
  }

  private static Map<String, Long> versions(List<ConsumerRecord<byte[], byte[]>> records) {
    Map<String, Long> latest = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : records) {
      latest.put(
          new String(r.key(), StandardCharsets.UTF_8),
          AvroBytes.decode(ItemCodes.class, r.value()).getCodebookVersion());
    }
    return latest;
  }

  @Test
  void shouldCodeEveryItemAcrossATaskManagerFailureAndPublishVersionOneOnce() throws Exception {
    List<ItemEvent> all = items(300);
    try (EmbeddedKafka kafka = EmbeddedKafka.start();
        LocalFlinkCluster flink = LocalFlinkCluster.start(4, 0);
        KafkaProducer<byte[], byte[]> producer = kafka.producer()) {
      Configuration config = new Configuration();
      config.set(KafkaOptions.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
      config.set(IndexingOptions.TRAIN_AFTER_ITEMS, 80);
      config.set(CodebookOptions.CODEBOOK_SIZE, 16);
      config.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofMillis(500));
      config.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
      config = JobConfig.withRuntimeDefaults(config);
      Topics.create(kafka.bootstrapServers(), Topics.definitions(config, 2));
      IndexingSettings settings = IndexingOptions.read(config);
      StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
      env.setParallelism(1);
      IndexingJob.buildWithKafka(env, settings, IndexingJob.textEmbedder(settings));
      JobID job = flink.submit(env, "indexing-failover-it");

      publish(producer, settings.itemsTopic(), all.subList(0, 100));
      kafka.readUntil(settings.itemCodesTopic(), TIMEOUT, r -> versions(r).size() == 100);
      flink.awaitCheckpointsBeyond(job, flink.completedCheckpoints(job), TIMEOUT);

      flink.replaceTaskManager();
      // Published while the job is down or restoring: read from the checkpointed offsets.
      publish(producer, settings.itemsTopic(), all.subList(100, 200));
      kafka.readUntil(settings.itemCodesTopic(), TIMEOUT, r -> versions(r).size() == 200);
      publish(producer, settings.itemsTopic(), all.subList(200, 300));

      Map<String, Long> coded =
          versions(
              kafka.readUntil(settings.itemCodesTopic(), TIMEOUT, r -> versions(r).size() == 300));
      assertTrue(coded.values().stream().allMatch(v -> v == 1), coded.values().toString());
      flink.awaitCheckpointsBeyond(job, flink.completedCheckpoints(job), TIMEOUT);
      List<ConsumerRecord<byte[], byte[]>> versionsPublished =
          kafka.readUntil(settings.codebooksTopic(), Duration.ofSeconds(10), r -> !r.isEmpty());
      assertEquals(
          List.of("1"),
          versionsPublished.stream().map(r -> new String(r.key(), StandardCharsets.UTF_8)).toList(),
          "the restored trainer must not publish its first version again");
      flink.cancel(job);
    }
  }
}
