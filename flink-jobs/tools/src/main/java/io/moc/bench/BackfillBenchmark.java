package io.moc.bench;

import io.moc.avro.AvroBytes;
import io.moc.common.KafkaIo;
import io.moc.indexing.IndexingJob;
import io.moc.indexing.IndexingOptions;
import io.moc.indexing.IndexingSettings;
import io.moc.kafka.KafkaConnection;
import io.moc.local.LocalFlinkCluster;
import io.moc.local.LocalRuntime;
import io.moc.local.Topics;
import io.moc.source.KafkaFeeder;
import io.moc.util.Poll;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * {@code bin/moc bench backfill}: a whole catalog with precomputed embeddings pushed through the
 * indexing job, next to a raw Kafka → Flink (RocksDB) → Kafka pass over the same records before and
 * after it in the same run. The items are on the broker before either job starts, so the figures
 * are the jobs', not the producer's.
 */
public final class BackfillBenchmark {

  /** Where the codebook comes from: trained on vectors of the items' distribution, not on them. */
  private static final long CODEBOOK_SEED = 7;

  private static final long ITEMS_SEED = 11;
  private static final String PREFIX = "bf-";
  private static final String RAW_OUT_TOPIC = "bench-raw-out";

  /** What the user chose. */
  public record Options(
      Path workDir, int kafkaPort, int items, int parallelism, Configuration jobConfig) {}

  /**
   * One job's pass over the items.
   *
   * @param seconds from the first output record's append to the last one's
   * @param stateBytes full state of the first checkpoint completed after the pass
   * @param checkpointDurationMs durations of the checkpoints triggered during the pass
   * @param checkpointedBytes what each of those checkpoints wrote (incremental)
   */
  public record Pass(
      double seconds,
      double itemsPerS,
      long stateBytes,
      List<Long> checkpointDurationMs,
      List<Long> checkpointedBytes,
      long heapPeakBytes,
      long rssPeakBytes,
      boolean restarted) {}

  /** The figures; {@code ratio} is the job's rate over the mean of the raw passes. */
  public record Report(
      int cores,
      int parallelism,
      int items,
      int embeddingDimension,
      int numCodebooks,
      int codebookSize,
      String method,
      double publishSeconds,
      double itemsPerS,
      double rawItemsPerS,
      double ratio,
      double stateBytesPerItem,
      double rawStateBytesPerItem,
      long checkpointDurationMsP99,
      long checkpointedBytesP99,
      long heapPeakBytes,
      long rssPeakBytes,
      boolean rssPeakReset,
      Pass job,
      Pass rawBefore,
      Pass rawAfter) {}

  private final Options options;
  private final PrintStream console;
  private String bootstrapServers;

  public BackfillBenchmark(Options options, PrintStream console) {
    this.options = options;
    this.console = console;
  }

  public Report run() throws Exception {
    try (LocalRuntime local =
        LocalRuntime.start(
            options.workDir().toAbsolutePath(), options.kafkaPort(), options.jobConfig())) {
      Configuration jobConfig = local.jobConfig();
      IndexingSettings settings = IndexingOptions.read(jobConfig);
      bootstrapServers = local.bootstrapServers();
      Topics.create(
          bootstrapServers,
          List.of(
              new NewTopic(RAW_OUT_TOPIC + "-before", 4, (short) 1),
              new NewTopic(RAW_OUT_TOPIC + "-after", 4, (short) 1)));

      List<float[]> sample =
          BenchData.unitVectors(5000, settings.embeddingDimension(), CODEBOOK_SEED);
      double publishSeconds;
      try (KafkaProducer<byte[], byte[]> producer =
          new KafkaProducer<>(KafkaFeeder.producerProperties(bootstrapServers))) {
        RecodingBenchmark.publishVersion(producer, settings, 1, sample);
        publishSeconds = publishItems(producer, settings);
      }
      console.printf(
          "%d items with %d-d embeddings on %s in %.1f s%n",
          options.items(), settings.embeddingDimension(), settings.itemsTopic(), publishSeconds);

      boolean rssPeakReset;
      Pass rawBefore;
      Pass job;
      Pass rawAfter;
      try (LocalFlinkCluster cluster = local.startFlink(2 * options.parallelism() + 2, 0)) {
        console.println("dashboard " + cluster.dashboardUrl());
        rssPeakReset = MemoryPeaks.reset();
        rawBefore = rawPass(cluster, jobConfig, settings, "before");
        job = indexingPass(cluster, jobConfig, settings);
        rawAfter = rawPass(cluster, jobConfig, settings, "after");
      }
      double raw = (rawBefore.itemsPerS() + rawAfter.itemsPerS()) / 2;
      List<Long> durations = job.checkpointDurationMs();
      Report report =
          new Report(
              Runtime.getRuntime().availableProcessors(),
              options.parallelism(),
              options.items(),
              settings.embeddingDimension(),
              settings.numCodebooks(),
              settings.codebookSize(),
              settings.codebookMethod(),
              round(publishSeconds),
              round(job.itemsPerS()),
              round(raw),
              Math.round(job.itemsPerS() / raw * 1000) / 1000.0,
              round(job.stateBytes() / (double) options.items()),
              round(rawBefore.stateBytes() / (double) options.items()),
              p99(durations),
              p99(job.checkpointedBytes()),
              job.heapPeakBytes(),
              job.rssPeakBytes(),
              rssPeakReset,
              job,
              rawBefore,
              rawAfter);
      console.printf(
          "backfill: job %.0f items/s, raw %.0f (before %.0f, after %.0f), ratio %.3f;"
              + " state %.0f B/item (raw %.0f); checkpoints during the pass %s ms;"
              + " heap peak %d MB, RSS peak %d MB%n",
          job.itemsPerS(),
          raw,
          rawBefore.itemsPerS(),
          rawAfter.itemsPerS(),
          report.ratio(),
          report.stateBytesPerItem(),
          report.rawStateBytesPerItem(),
          durations,
          job.heapPeakBytes() >> 20,
          job.rssPeakBytes() >> 20);
      return report;
    }
  }

  /**
   * Publishes the items: random unit vectors as precomputed embeddings of the configured model,
   * made one at a time so that a million of them never sit in memory together.
   *
   * @return seconds until the broker acknowledged them all
   */
  private double publishItems(KafkaProducer<byte[], byte[]> producer, IndexingSettings settings) {
    Random random = new Random(ITEMS_SEED);
    long start = System.nanoTime();
    for (int i = 0; i < options.items(); i++) {
      String id = PREFIX + i;
      producer.send(
          new ProducerRecord<>(
              settings.itemsTopic(),
              id.getBytes(StandardCharsets.UTF_8),
              AvroBytes.encode(
                  BenchData.precomputedItem(
                      id,
                      BenchData.unitVector(random, settings.embeddingDimension()),
                      settings.embeddingModel()))));
    }
    producer.flush();
    return (System.nanoTime() - start) / 1e9;
  }

  private Pass indexingPass(
      LocalFlinkCluster cluster, Configuration jobConfig, IndexingSettings settings)
      throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(jobConfig);
    env.setParallelism(options.parallelism());
    IndexingJob.buildWithKafka(env, settings, IndexingJob.textEmbedder(settings));
    return measure(cluster, env, "moc indexing (backfill bench)", settings.itemCodesTopic());
  }

  private Pass rawPass(
      LocalFlinkCluster cluster, Configuration jobConfig, IndexingSettings settings, String when)
      throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(jobConfig);
    env.setParallelism(options.parallelism());
    KafkaIo kafka = new KafkaIo(settings.kafka());
    RawPassJob.build(
        env.fromSource(
                kafka.whole(settings.itemsTopic(), "bench-raw-" + UUID.randomUUID()),
                WatermarkStrategy.noWatermarks(),
                "items")
            .uid("items-source")
            .name("items"),
        kafka.atLeastOnce(RawPassJob.serializer(RAW_OUT_TOPIC + "-" + when), "linger.ms", "2"));
    // A topic per pass: each one's output is measured alone.
    Pass pass = measure(cluster, env, "raw pass (" + when + ")", RAW_OUT_TOPIC + "-" + when);
    console.printf("raw pass %s: %.0f items/s%n", when, pass.itemsPerS());
    return pass;
  }

  /** Runs the job until every item has come out on {@code topic}, then cancels it. */
  private Pass measure(
      LocalFlinkCluster cluster, StreamExecutionEnvironment env, String name, String topic)
      throws Exception {
    MemoryPeaks.reset();
    JobID job = cluster.submit(env, name);
    try (CheckpointWatch checkpoints = CheckpointWatch.start(cluster, job)) {
      long[] span = awaitAll(topic);
      long heapPeak = MemoryPeaks.heapPeakBytes();
      long rssPeak = MemoryPeaks.rssPeakBytes();
      // The state as the pass left it: the first checkpoint triggered after its last output.
      long end = span[1];
      Poll.until(
          "a checkpoint of " + name + " after the pass",
          Duration.ofMinutes(5),
          () -> !checkpoints.completed(end, Long.MAX_VALUE).isEmpty());
      LocalFlinkCluster.Checkpoint after = checkpoints.completed(end, Long.MAX_VALUE).get(0);
      List<LocalFlinkCluster.Checkpoint> during = checkpoints.completed(span[0], span[1]);
      boolean restarted = cluster.everRestarted(job);
      cluster.cancel(job);
      double seconds = Math.max(1e-3, (span[1] - span[0]) / 1000.0);
      return new Pass(
          round(seconds),
          round((options.items() - 1) / seconds),
          after.stateSize(),
          during.stream().map(LocalFlinkCluster.Checkpoint::durationMs).toList(),
          during.stream().map(LocalFlinkCluster.Checkpoint::checkpointedSize).toList(),
          heapPeak,
          rssPeak,
          restarted);
    }
  }

  /**
   * Reads {@code topic} until every item's key has appeared.
   *
   * @return the append times of the first and the last record
   */
  private long[] awaitAll(String topic) {
    Properties p = KafkaConnection.plaintext(bootstrapServers).bytesReaderProperties();
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-" + UUID.randomUUID());
    BitSet seen = new BitSet(options.items());
    int count = 0;
    long first = Long.MAX_VALUE;
    long last = 0;
    long deadline = System.nanoTime() + Duration.ofMinutes(30).toNanos();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
      consumer.subscribe(List.of(topic));
      while (count < options.items()) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "only " + count + " of " + options.items() + " items on " + topic + " in 30 min");
        }
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          String key = new String(r.key(), StandardCharsets.UTF_8);
          if (r.value() == null || !key.startsWith(PREFIX)) {
            continue;
          }
          int i = Integer.parseInt(key, PREFIX.length(), key.length(), 10);
          first = Math.min(first, r.timestamp());
          if (!seen.get(i)) {
            seen.set(i);
            count++;
            last = Math.max(last, r.timestamp());
          }
        }
      }
    }
    return new long[] {first, last};
  }

  static long p99(List<Long> values) {
    if (values.isEmpty()) {
      return -1;
    }
    List<Long> sorted = new ArrayList<>(values);
    sorted.sort(null);
    return sorted.get((int) Math.ceil(0.99 * sorted.size()) - 1);
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }
}
