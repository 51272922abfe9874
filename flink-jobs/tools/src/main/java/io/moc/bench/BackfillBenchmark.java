package io.moc.bench;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import io.moc.common.KafkaIo;
import io.moc.indexing.IndexingJob;
import io.moc.indexing.IndexingOptions;
import io.moc.indexing.IndexingSettings;
import io.moc.local.LocalFlinkCluster;
import io.moc.local.LocalRuntime;
import io.moc.local.Topics;
import io.moc.source.KafkaFeeder;
import io.moc.util.Poll;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * {@code bin/moc bench backfill}: a whole catalog with precomputed embeddings pushed through the
 * indexing job, next to a raw Kafka → Flink (RocksDB) → Kafka pass over the same records before and
 * after it in the same run. The items are on the broker before either job starts, so the figures
 * are the jobs', not the producer's.
 */
public final class BackfillBenchmark {

  private static final String RAW_OUT_TOPIC = "bench-raw-out";

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
      @JsonUnwrapped BenchCatalog.Shape shape,
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

  private final BenchCatalog.Options options;
  private final PrintStream console;
  private BenchCatalog catalog;

  public BackfillBenchmark(BenchCatalog.Options options, PrintStream console) {
    this.options = options;
    this.console = console;
  }

  public Report run() throws Exception {
    try (LocalRuntime local =
        LocalRuntime.start(
            options.workDir().toAbsolutePath(), options.kafkaPort(), options.jobConfig())) {
      Configuration jobConfig = local.jobConfig();
      IndexingSettings settings = IndexingOptions.read(jobConfig);
      String bootstrapServers = local.bootstrapServers();
      catalog = new BenchCatalog(bootstrapServers, options.items());
      Topics.create(
          bootstrapServers,
          List.of(
              new NewTopic(RAW_OUT_TOPIC + "-before", 4, (short) 1),
              new NewTopic(RAW_OUT_TOPIC + "-after", 4, (short) 1)));

      List<float[]> sample = BenchCatalog.codebookSample(settings);
      double publishSeconds;
      try (KafkaProducer<byte[], byte[]> producer =
          new KafkaProducer<>(KafkaFeeder.producerProperties(bootstrapServers))) {
        try (var codebook = RecodingBenchmark.train(settings, 1, sample)) {
          RecodingBenchmark.publish(producer, settings, 1, codebook, sample);
        }
        publishSeconds = catalog.publish(producer, settings);
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
              BenchCatalog.Shape.of(options, settings),
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
      BenchCatalog.Span span = catalog.awaitAll(topic);
      long heapPeak = MemoryPeaks.heapPeakBytes();
      long rssPeak = MemoryPeaks.rssPeakBytes();
      // The state as the pass left it: the first checkpoint triggered after its last output.
      long end = span.last();
      Poll.until(
          "a checkpoint of " + name + " after the pass",
          Duration.ofMinutes(5),
          () -> !checkpoints.completed(end, Long.MAX_VALUE).isEmpty());
      LocalFlinkCluster.Checkpoint after = checkpoints.completed(end, Long.MAX_VALUE).get(0);
      List<LocalFlinkCluster.Checkpoint> during = checkpoints.completed(span.first(), span.last());
      boolean restarted = cluster.everRestarted(job);
      cluster.cancel(job);
      double seconds = span.seconds();
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
