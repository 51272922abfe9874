package io.moc.bench;

import io.moc.avro.AvroBytes;
import io.moc.avro.ItemCodes;
import io.moc.codebook.Codebook;
import io.moc.codebook.methods.CodebookMethods;
import io.moc.indexing.CodebookEntry;
import io.moc.indexing.IndexingJob;
import io.moc.indexing.IndexingOptions;
import io.moc.indexing.IndexingSettings;
import io.moc.kafka.KafkaConnection;
import io.moc.local.LocalFlinkCluster;
import io.moc.local.LocalRuntime;
import io.moc.source.KafkaFeeder;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * {@code bin/moc bench recoding}: how fast the indexer re-codes the items it holds in RocksDB when
 * a new codebook version arrives, and what that does to checkpoints, against the checkpoints of the
 * same job just before.
 */
public final class RecodingBenchmark {

  private final PrintStream console;

  public RecodingBenchmark(PrintStream console) {
    this.console = console;
  }

  /**
   * The figures.
   *
   * @param checkpointMsBefore durations of the checkpoints of the idle job holding the items
   * @param checkpointMsDuringRecoding durations of those completed while it re-coded them
   */
  public record Report(
      int items,
      int numCodebooks,
      int codebookSize,
      String method,
      double recodeSeconds,
      long recodeItemsPerS,
      List<Long> checkpointMsBefore,
      List<Long> checkpointMsDuringRecoding,
      long checkpointsFailed) {}

  public Report run(Path workDir, int kafkaPort, int items, Configuration options)
      throws Exception {
    Configuration jobConfig = new Configuration(options);
    if (!jobConfig.contains(CheckpointingOptions.CHECKPOINTING_INTERVAL)) {
      jobConfig.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofSeconds(2));
    }
    try (LocalRuntime local = LocalRuntime.start(workDir, kafkaPort, jobConfig)) {
      String bootstrap = local.bootstrapServers();
      jobConfig = local.jobConfig();
      IndexingSettings settings = IndexingOptions.read(jobConfig);
      List<float[]> vectors = BenchData.unitVectors(items, settings.embeddingDimension(), 3);
      try (LocalFlinkCluster cluster = local.startFlink(4, 0);
          KafkaProducer<byte[], byte[]> producer =
              new KafkaProducer<>(KafkaFeeder.producerProperties(bootstrap))) {
        publishVersion(producer, settings, 1, vectors);
        StreamExecutionEnvironment env =
            StreamExecutionEnvironment.getExecutionEnvironment(jobConfig);
        env.setParallelism(1);
        IndexingJob.buildWithKafka(env, settings, IndexingJob.textEmbedder(settings));
        var job = cluster.submit(env, "moc indexing (re-coding bench)");
        CheckpointWatch checkpoints = CheckpointWatch.start(cluster, job);

        for (int i = 0; i < items; i++) {
          producer.send(
              new ProducerRecord<>(
                  settings.itemsTopic(),
                  ("pre-" + i).getBytes(StandardCharsets.UTF_8),
                  AvroBytes.encode(
                      BenchData.precomputedItem(
                          "pre-" + i, vectors.get(i), settings.embeddingModel()))));
        }
        producer.flush();
        awaitVersion(bootstrap, settings, items, 1);
        console.printf("%d items held and coded with version 1%n", items);
        // A quiet stretch, to see the checkpoints of the idle job with its state.
        long quietStart = System.currentTimeMillis();
        Thread.sleep(3 * jobConfig.get(CheckpointingOptions.CHECKPOINTING_INTERVAL).toMillis());

        long published = publishVersion(producer, settings, 2, vectors);
        long lastAppend = awaitVersion(bootstrap, settings, items, 2);
        double seconds = (lastAppend - published) / 1000.0;
        Thread.sleep(2 * jobConfig.get(CheckpointingOptions.CHECKPOINTING_INTERVAL).toMillis());
        checkpoints.close();
        List<Long> before =
            checkpoints.completed(quietStart, published - 1).stream()
                .map(LocalFlinkCluster.Checkpoint::durationMs)
                .toList();
        List<Long> during =
            checkpoints.completed(published - 1, lastAppend).stream()
                .map(LocalFlinkCluster.Checkpoint::durationMs)
                .toList();
        console.printf(
            "re-coded %d items in %.2f s (%.0f items/s); checkpoints before %s ms, during %s ms%n",
            items, seconds, items / seconds, before, during);
        cluster.cancel(job);
        return new Report(
            items,
            settings.numCodebooks(),
            settings.codebookSize(),
            settings.codebookMethod(),
            seconds,
            Math.round(items / seconds),
            before,
            during,
            checkpoints.failed());
      }
    }
  }

  /** Publishes a codebook version trained on the vectors; returns its broker append time. */
  static long publishVersion(
      KafkaProducer<byte[], byte[]> producer,
      IndexingSettings settings,
      long version,
      List<float[]> vectors)
      throws Exception {
    Codebook codebook =
        CodebookMethods.trainer(
                settings.codebookMethod(),
                settings.numCodebooks(),
                settings.codebookSize(),
                settings.projectedDimension(),
                10,
                version)
            .train(settings.embeddingModel(), vectors.subList(0, Math.min(5000, vectors.size())));
    CodebookEntry entry =
        CodebookEntry.of(version, codebook, vectors.subList(0, Math.min(2000, vectors.size())));
    return producer
        .send(
            new ProducerRecord<>(
                settings.codebooksTopic(),
                Long.toString(version).getBytes(StandardCharsets.UTF_8),
                AvroBytes.encode(entry.toAvro())))
        .get()
        .timestamp();
  }

  /** Waits until every item's latest codes have {@code version}; returns the last append time. */
  private static long awaitVersion(
      String bootstrap, IndexingSettings settings, int items, long version) {
    Properties p = KafkaConnection.plaintext(bootstrap).bytesReaderProperties();
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-" + UUID.randomUUID());
    Map<String, Long> latest = new HashMap<>();
    long atVersion = 0;
    long last = 0;
    long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
      consumer.subscribe(List.of(settings.itemCodesTopic()));
      while (atVersion < items) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              atVersion + " of " + items + " items at version " + version);
        }
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          long v = AvroBytes.decode(ItemCodes.class, r.value()).getCodebookVersion();
          Long previous = latest.put(new String(r.key(), StandardCharsets.UTF_8), v);
          if (v == version && (previous == null || previous != version)) {
            atVersion++;
            last = Math.max(last, r.timestamp());
          }
        }
      }
    }
    return last;
  }
}
