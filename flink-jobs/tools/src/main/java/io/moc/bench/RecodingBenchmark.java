package io.moc.bench;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import io.moc.avro.AvroBytes;
import io.moc.codebook.Codebook;
import io.moc.codebook.methods.CodebookMethods;
import io.moc.indexing.CodebookEntry;
import io.moc.indexing.IndexingJob;
import io.moc.indexing.IndexingOptions;
import io.moc.indexing.IndexingSettings;
import io.moc.local.LocalFlinkCluster;
import io.moc.local.LocalRuntime;
import io.moc.source.KafkaFeeder;
import io.moc.util.Poll;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * {@code bin/moc bench recoding}: a catalog backfilled with codebook version 1, then version 2
 * published: how fast the indexer re-codes the items it holds in RocksDB, how long consumers of
 * {@code item-codes} see a mix of the two versions, and what the pass does to checkpoints, against
 * plain code assignment of the same version on one core and the idle job's checkpoints, both in the
 * same run.
 */
public final class RecodingBenchmark {

  /** Vectors the assignment baseline codes on the calling thread, after as many for the JIT. */
  private static final int BASELINE_ITEMS = 100_000;

  /**
   * The figures.
   *
   * @param backfillItemsPerS the job coding the new catalog with version 1
   * @param passSeconds from version 2's append to {@code codebooks} to the last item's codes of
   *     version 2 on {@code item-codes}
   * @param mixedSeconds from the first item's codes of version 2 to the last one's: how long a
   *     consumer of {@code item-codes} sees both versions
   * @param itemsPerS items re-coded per second of the pass
   * @param assignItemsPerS version 2's plain assignment on one core, in batches of {@link
   *     AssignmentBenchmark#BATCH}
   * @param ratio {@code itemsPerS} over {@code assignItemsPerS}
   * @param checkpointMsBefore durations of the checkpoints of the idle job holding the items
   * @param checkpointMsDuringRecoding durations of those triggered during the pass
   */
  public record Report(
      @JsonUnwrapped BenchCatalog.Shape shape,
      double backfillItemsPerS,
      double passSeconds,
      double mixedSeconds,
      double itemsPerS,
      double assignItemsPerS,
      double ratio,
      double stateBytesPerItem,
      List<Long> checkpointMsBefore,
      List<Long> checkpointMsDuringRecoding,
      long checkpointDurationMsP99,
      long checkpointsFailed,
      long heapPeakBytes,
      long rssPeakBytes,
      boolean restarted) {}

  private final BenchCatalog.Options options;
  private final PrintStream console;

  public RecodingBenchmark(BenchCatalog.Options options, PrintStream console) {
    this.options = options;
    this.console = console;
  }

  public Report run() throws Exception {
    Configuration jobConfig = new Configuration(options.jobConfig());
    if (!jobConfig.contains(CheckpointingOptions.CHECKPOINTING_INTERVAL)) {
      jobConfig.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofSeconds(5));
    }
    try (LocalRuntime local =
        LocalRuntime.start(options.workDir().toAbsolutePath(), options.kafkaPort(), jobConfig)) {
      jobConfig = local.jobConfig();
      IndexingSettings settings = IndexingOptions.read(jobConfig);
      BenchCatalog catalog = new BenchCatalog(local.bootstrapServers(), options.items());
      List<float[]> sample = BenchCatalog.codebookSample(settings);
      Codebook version2 = train(settings, 2, sample);
      double assignItemsPerS = assignmentBaseline(version2, settings.embeddingDimension());
      console.printf(
          "version 2 assigns %.0f items/s on one core in batches of %d%n",
          assignItemsPerS, AssignmentBenchmark.BATCH);

      try (KafkaProducer<byte[], byte[]> producer =
              new KafkaProducer<>(KafkaFeeder.producerProperties(local.bootstrapServers()));
          LocalFlinkCluster cluster = local.startFlink(2 * options.parallelism() + 2, 0)) {
        console.println("dashboard " + cluster.dashboardUrl());
        try (Codebook version1 = train(settings, 1, sample)) {
          publish(producer, settings, 1, version1, sample);
        }
        double published = catalog.publish(producer, settings);
        console.printf(
            "%d items on %s in %.1f s%n", options.items(), settings.itemsTopic(), published);

        StreamExecutionEnvironment env =
            StreamExecutionEnvironment.getExecutionEnvironment(jobConfig);
        env.setParallelism(options.parallelism());
        IndexingJob.buildWithKafka(env, settings, IndexingJob.textEmbedder(settings));
        JobID job = cluster.submit(env, "moc indexing (re-coding bench)");
        try (CheckpointWatch checkpoints = CheckpointWatch.start(cluster, job)) {
          BenchCatalog.Span backfill =
              catalog.awaitAll(
                  settings.itemCodesTopic(),
                  r -> BenchCatalog.codebookVersion(r.value()) == 1,
                  Map.of());
          console.printf(
              "%d items coded with version 1 at %.0f items/s%n",
              options.items(), (options.items() - 1) / backfill.seconds());
          // The idle job's checkpoints with the whole catalog in its state, as the baseline.
          long quietStart = System.currentTimeMillis();
          Poll.until(
              "two checkpoints of the idle job",
              Duration.ofMinutes(5),
              () -> checkpoints.completed(quietStart, Long.MAX_VALUE).size() >= 2);
          List<LocalFlinkCluster.Checkpoint> idle =
              checkpoints.completed(quietStart, Long.MAX_VALUE);

          MemoryPeaks.reset();
          console.printf(
              "publishing version 2 (idle checkpoints %s ms)%n",
              idle.stream().map(LocalFlinkCluster.Checkpoint::durationMs).toList());
          // From here on: the reader skips the million codes of version 1.
          var afterBackfill = catalog.endOffsets(settings.itemCodesTopic());
          long versionAppended = publish(producer, settings, 2, version2, sample);
          BenchCatalog.Span pass =
              catalog.awaitAll(
                  settings.itemCodesTopic(),
                  r -> BenchCatalog.codebookVersion(r.value()) == 2,
                  afterBackfill);
          long heapPeak = MemoryPeaks.heapPeakBytes();
          long rssPeak = MemoryPeaks.rssPeakBytes();
          double passSeconds = Math.max(1e-3, (pass.last() - versionAppended) / 1000.0);
          List<Long> before = idle.stream().map(LocalFlinkCluster.Checkpoint::durationMs).toList();
          List<Long> during =
              checkpoints.completed(versionAppended, pass.last()).stream()
                  .map(LocalFlinkCluster.Checkpoint::durationMs)
                  .toList();
          boolean restarted = cluster.everRestarted(job);
          cluster.cancel(job);
          double itemsPerS = options.items() / passSeconds;
          Report report =
              new Report(
                  BenchCatalog.Shape.of(options, settings),
                  round((options.items() - 1) / backfill.seconds()),
                  round(passSeconds),
                  round(pass.seconds()),
                  round(itemsPerS),
                  round(assignItemsPerS),
                  Math.round(itemsPerS / assignItemsPerS * 1000) / 1000.0,
                  round(idle.get(idle.size() - 1).stateSize() / (double) options.items()),
                  before,
                  during,
                  BackfillBenchmark.p99(during),
                  checkpoints.failed(),
                  heapPeak,
                  rssPeak,
                  restarted);
          console.printf(
              "re-coded %d items in %.1f s (%.0f items/s, %.3f of one core's assignment);"
                  + " both versions on item-codes for %.1f s; checkpoints before %s ms, during %s"
                  + " ms; %.0f B/item held%n",
              options.items(),
              passSeconds,
              itemsPerS,
              report.ratio(),
              report.mixedSeconds(),
              before,
              during,
              report.stateBytesPerItem());
          version2.close();
          return report;
        }
      }
    }
  }

  /**
   * Plain assignment on the calling thread in the batches the pass assigns, after a pass of as many
   * vectors for the JIT.
   */
  private static double assignmentBaseline(Codebook codebook, int dimension) {
    List<float[]> vectors =
        BenchData.unitVectors(BASELINE_ITEMS, dimension, BenchCatalog.ITEMS_SEED);
    AssignmentBenchmark.itemsPerSecond(codebook, vectors, AssignmentBenchmark.BATCH);
    return AssignmentBenchmark.itemsPerSecond(codebook, vectors, AssignmentBenchmark.BATCH);
  }

  /** A codebook of the configured shape trained on {@code sample}, seeded by its version. */
  static Codebook train(IndexingSettings settings, long version, List<float[]> sample) {
    return CodebookMethods.trainer(
            settings.codebookMethod(),
            settings.numCodebooks(),
            settings.codebookSize(),
            settings.projectedDimension(),
            10,
            version)
        .train(settings.embeddingModel(), sample);
  }

  /** Publishes a codebook as {@code version}; returns its broker append time. */
  static long publish(
      KafkaProducer<byte[], byte[]> producer,
      IndexingSettings settings,
      long version,
      Codebook codebook,
      List<float[]> sample)
      throws Exception {
    CodebookEntry entry =
        CodebookEntry.of(version, codebook, sample.subList(0, Math.min(2000, sample.size())));
    return producer
        .send(
            new ProducerRecord<>(
                settings.codebooksTopic(),
                Long.toString(version).getBytes(StandardCharsets.UTF_8),
                AvroBytes.encode(entry.toAvro())))
        .get()
        .timestamp();
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }
}
