package io.moc.bench;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.moc.avro.AvroBytes;
import io.moc.avro.ItemCodes;
import io.moc.avro.ItemEvent;
import io.moc.cluster.FlinkRest;
import io.moc.codebook.Codebook;
import io.moc.common.JobConfig;
import io.moc.embed.ItemText;
import io.moc.embed.TextEmbedder;
import io.moc.indexing.CodebookEntry;
import io.moc.indexing.IndexingJob;
import io.moc.indexing.IndexingOptions;
import io.moc.indexing.IndexingSettings;
import io.moc.kafka.KafkaConnection;
import io.moc.local.CodesMonitor;
import io.moc.local.LocalFlinkCluster;
import io.moc.local.LocalRuntime;
import io.moc.report.JsonReport;
import io.moc.source.KafkaFeeder;
import io.moc.source.Pacing;
import io.moc.source.SourceEvent;
import io.moc.source.SyntheticCatalog;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * {@code bin/moc bench indexing}: the indexing job through a real broker JVM and a MiniCluster with
 * the real MiniLM model. (a) latency at a steady item rate; (b) the highest sustained rate with
 * text embedding, next to the raw embedder on the same texts in the same run; (c) the highest rate
 * with precomputed embeddings.
 */
public final class IndexingBenchmark {

  /** What the user chose. */
  public record Options(
      Path workDir,
      Path report,
      int kafkaPort,
      double steadyRate,
      Duration warmup,
      Duration steadyDuration,
      int embedItems,
      int precomputedItems,
      int parallelism,
      Configuration jobConfig) {}

  private final Options options;
  private final PrintStream console;
  private long steadyWarmupItems;

  public IndexingBenchmark(Options options, PrintStream console) {
    this.options = options;
    this.console = console;
  }

  /**
   * The figures: (a) latency at the steady rate, (b) the job's rate with text embedding next to the
   * raw embedder's before and after it (their mean is the baseline of {@code embedRatio}), (c) the
   * rate with precomputed embeddings.
   */
  public record Report(
      int cores,
      int embedBatchSize,
      boolean embedBatchInvariant,
      double steadyItemsPerS,
      long steadySeconds,
      long latencySamples,
      long latencyMsP50,
      long latencyMsP99,
      List<Stage> latencyBreakdown,
      int embedItems,
      @JsonProperty("embed_items_per_s_job") double embedItemsPerSJob,
      int precomputedItems,
      double precomputedItemsPerS,
      @JsonProperty("embed_items_per_s_raw_before") double embedItemsPerSRawBefore,
      @JsonProperty("embed_items_per_s_raw_after") double embedItemsPerSRawAfter,
      @JsonProperty("embed_items_per_s_raw") double embedItemsPerSRaw,
      double embedRatio) {}

  /**
   * One stage of a new item's latency in the steady phase, from the job's own histograms (the
   * highest over subtasks); {@code sink and broker} is the end-to-end figure less {@code
   * codesLatencyMs} at the same percentile, an estimate.
   */
  public record Stage(String stage, String metric, double p50, double p99) {}

  /** The job's latency histograms, in the order an item passes them. */
  static final List<String[]> STAGES =
      List.of(
          new String[] {"source, validation and shuffle", "latencyToEmbedMs"},
          new String[] {"micro-batch wait", "embedWaitMs"},
          new String[] {"model call (per batch)", "embedBatchLatencyMs"},
          new String[] {"shuffle to Assign codes", "latencyFromEmbedMs"},
          new String[] {"items append to codes emitted", "codesLatencyMs"});

  public Report run() throws Exception {
    Path workDir = options.workDir().toAbsolutePath();
    Files.createDirectories(workDir.resolve("kafka"));

    Configuration jobConfig = new Configuration(options.jobConfig());
    IndexingSettings settings = IndexingOptions.read(JobConfig.withRuntimeDefaults(jobConfig));
    int batchSize = settings.embedBatchSize();
    boolean batchInvariant = settings.embedBatchInvariant();

    // Texts for phase (b). The raw embedder runs on them before the job and again after it, in
    // this JVM: the job is compared with the mean, so JIT warm-up and machine noise cut both ways.
    List<ItemEvent> textItems = syntheticItems("embed-", options.embedItems(), 11);
    List<String> texts = textItems.stream().map(ItemText::compose).toList();
    List<float[]> sample = new ArrayList<>();
    double rawBefore = rawEmbedder(settings, texts, sample);
    console.printf("raw embedder: %.0f texts/s (batch %d)%n", rawBefore, settings.embedBatchSize());
    Codebook codebook =
        settings
            .codebookTrainer()
            .train(settings.embeddingModel(), sample.subList(0, Math.min(2000, sample.size())));

    CodesMonitor.Snapshot steady;
    List<Stage> breakdown;
    double jobPerSecond;
    List<ItemEvent> precomputed;
    double precomputedPerSecond;
    try (LocalRuntime local = LocalRuntime.start(workDir, options.kafkaPort(), jobConfig)) {
      String bootstrap = local.bootstrapServers();
      jobConfig = local.jobConfig();
      settings = IndexingOptions.read(jobConfig);
      try (KafkaProducer<byte[], byte[]> producer =
          new KafkaProducer<>(KafkaFeeder.producerProperties(bootstrap))) {
        producer
            .send(
                new ProducerRecord<>(
                    settings.codebooksTopic(),
                    "1".getBytes(StandardCharsets.UTF_8),
                    AvroBytes.encode(CodebookEntry.of(1, codebook, sample).toAvro())))
            .get();
      }
      try (LocalFlinkCluster cluster = local.startFlink(2 * options.parallelism() + 2, 0)) {
        StreamExecutionEnvironment env =
            StreamExecutionEnvironment.getExecutionEnvironment(jobConfig);
        env.setParallelism(options.parallelism());
        IndexingJob.buildWithKafka(env, settings, IndexingJob.textEmbedder(settings));
        var job = cluster.submit(env, "moc indexing (bench)");
        console.println("job running; dashboard " + cluster.dashboardUrl());

        steady = steadyLatency(bootstrap, settings);
        breakdown = breakdown(cluster, job, steady);
        breakdown.forEach(
            b ->
                console.printf(
                    "  %-32s p50 %6.1f ms  p99 %6.1f ms%n", b.stage(), b.p50(), b.p99()));

        jobPerSecond = burst(bootstrap, settings, textItems, "embed-");

        precomputed = precomputedItems(options.precomputedItems(), settings);
        precomputedPerSecond = burst(bootstrap, settings, precomputed, "pre-");
        console.printf("precomputed embeddings: %.0f items/s%n", precomputedPerSecond);
        cluster.cancel(job);
      }
    }
    double rawAfter = rawEmbedder(settings, texts, null);
    double rawPerSecond = (rawBefore + rawAfter) / 2;
    Report report =
        new Report(
            Runtime.getRuntime().availableProcessors(),
            batchSize,
            batchInvariant,
            options.steadyRate(),
            options.steadyDuration().toSeconds(),
            steady.latencySamples(),
            steady.latencyP50(),
            steady.latencyP99(),
            breakdown,
            textItems.size(),
            round(jobPerSecond),
            precomputed.size(),
            round(precomputedPerSecond),
            round(rawBefore),
            round(rawAfter),
            round(rawPerSecond),
            round(jobPerSecond / rawPerSecond));
    console.printf(
        "embedding: job %.0f items/s, raw %.0f texts/s (before %.0f, after %.0f), ratio %.2f%n",
        jobPerSecond, rawPerSecond, rawBefore, rawAfter, jobPerSecond / rawPerSecond);
    if (options.report() != null) {
      console.println("Report written to " + JsonReport.write(options.report(), report));
    }
    return report;
  }

  /**
   * The job's latency histograms once its metrics include every steady item (the dashboard's
   * metrics lag by its fetch interval).
   */
  private List<Stage> breakdown(LocalFlinkCluster cluster, JobID job, CodesMonitor.Snapshot steady)
      throws Exception {
    FlinkRest rest = new FlinkRest(cluster.dashboardUrl());
    String id = job.toHexString();
    long coded = steady.latencySamples() + steadyWarmupItems;
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!(rest.jobMetricMax(id, "codesLatencyMs_count") >= coded)
        && System.nanoTime() < deadline) {
      Thread.sleep(500);
    }
    List<Stage> stages = new ArrayList<>();
    for (String[] stage : STAGES) {
      stages.add(
          new Stage(
              stage[0],
              stage[1],
              rest.jobMetricMax(id, stage[1] + "_median"),
              rest.jobMetricMax(id, stage[1] + "_p99")));
    }
    Stage codes = stages.get(stages.size() - 1);
    stages.add(
        new Stage(
            "sink and broker (end to end less codes)",
            "",
            steady.latencyP50() - codes.p50(),
            steady.latencyP99() - codes.p99()));
    return stages;
  }

  /** (a): a steady item rate through the whole path, latency from items to item-codes. */
  private CodesMonitor.Snapshot steadyLatency(String bootstrap, IndexingSettings settings)
      throws Exception {
    // Warm-up: model, JIT and Kafka connections, not measured.
    steadyWarmupItems = feedSteady(bootstrap, settings, 101, options.warmup()).latencySamples();
    CodesMonitor.Snapshot s = feedSteady(bootstrap, settings, 102, options.steadyDuration());
    console.printf(
        "latency at %.0f items/s: p50 %d ms, p99 %d ms (%d items)%n",
        options.steadyRate(), s.latencyP50(), s.latencyP99(), s.latencySamples());
    return s;
  }

  private CodesMonitor.Snapshot feedSteady(
      String bootstrap, IndexingSettings settings, long seed, Duration duration) throws Exception {
    SyntheticCatalog catalog =
        SyntheticCatalog.builder()
            .seed(seed)
            .startTime(Instant.now())
            .itemsPerSecond(options.steadyRate())
            .impressionsPerSecond(1e-6)
            .republishFraction(0)
            .titleChangeFraction(0)
            .build();
    String prefix = "steady" + seed + "-";
    try (KafkaFeeder feeder =
            new KafkaFeeder(
                settings.kafka(),
                new Prefixed(catalog, prefix),
                Pacing.itemsPerSecond(options.steadyRate()),
                settings.itemsTopic(),
                "impressions");
        CodesMonitor monitor =
            CodesMonitor.start(settings.kafka(), settings, feeder.appendTimes())) {
      feeder.run(duration, () -> false);
      long target = feeder.itemsPublished();
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (monitor.snapshot().latencySamples() < target && System.nanoTime() < deadline) {
        Thread.sleep(200);
      }
      return monitor.snapshot();
    }
  }

  /**
   * Publishes all items as fast as the producer goes (far faster than the job), then measures the
   * rate at which they are coded: count / (last codes append - first item append).
   */
  private double burst(
      String bootstrap, IndexingSettings settings, List<ItemEvent> items, String prefix)
      throws Exception {
    long firstAppend;
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(KafkaFeeder.producerProperties(bootstrap))) {
      // From the first item's append (items use broker time), so the run-up counts too.
      firstAppend =
          producer
              .send(
                  new ProducerRecord<>(
                      settings.itemsTopic(),
                      items.get(0).getItemId().getBytes(StandardCharsets.UTF_8),
                      AvroBytes.encode(items.get(0))))
              .get()
              .timestamp();
      for (ItemEvent item : items.subList(1, items.size())) {
        producer.send(
            new ProducerRecord<>(
                settings.itemsTopic(),
                item.getItemId().getBytes(StandardCharsets.UTF_8),
                AvroBytes.encode(item)));
      }
      producer.flush();
    }
    Properties p = KafkaConnection.plaintext(bootstrap).bytesReaderProperties();
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-" + UUID.randomUUID());
    long last = 0;
    java.util.Set<String> seen = new java.util.HashSet<>();
    long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
      consumer.subscribe(List.of(settings.itemCodesTopic()));
      while (seen.size() < items.size()) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "only " + seen.size() + " of " + items.size() + " items coded in 10 minutes");
        }
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          String id = new String(r.key(), StandardCharsets.UTF_8);
          if (r.value() != null && id.startsWith(prefix) && seen.add(id)) {
            AvroBytes.decode(ItemCodes.class, r.value());
            last = Math.max(last, r.timestamp());
          }
        }
      }
    }
    return items.size() / Math.max(1e-3, (last - firstAppend) / 1000.0);
  }

  /** Texts per second of the embedder alone, batches as in the job, after a short warm-up. */
  private static double rawEmbedder(
      IndexingSettings settings, List<String> texts, List<float[]> out) throws Exception {
    try (TextEmbedder embedder = IndexingJob.textEmbedder(settings).open()) {
      embedInBatches(
          embedder, texts.subList(0, Math.min(200, texts.size())), settings.embedBatchSize(), null);
      long start = System.nanoTime();
      embedInBatches(embedder, texts, settings.embedBatchSize(), out);
      return texts.size() / ((System.nanoTime() - start) / 1e9);
    }
  }

  private static void embedInBatches(
      TextEmbedder embedder, List<String> texts, int batch, List<float[]> out) {
    for (int i = 0; i < texts.size(); i += batch) {
      float[][] vectors = embedder.embed(texts.subList(i, Math.min(texts.size(), i + batch)));
      if (out != null) {
        out.addAll(List.of(vectors));
      }
    }
  }

  private static List<ItemEvent> syntheticItems(String prefix, int n, long seed) {
    SyntheticCatalog catalog =
        SyntheticCatalog.builder()
            .seed(seed)
            .impressionsPerSecond(1e-6)
            .republishFraction(0)
            .titleChangeFraction(0)
            .build();
    List<ItemEvent> items = new ArrayList<>();
    while (items.size() < n) {
      if (catalog.next() instanceof SourceEvent.Item item) {
        ItemEvent e =
            ItemEvent.newBuilder(item.item()).setItemId(prefix + item.item().getItemId()).build();
        items.add(e);
      }
    }
    return items;
  }

  private static List<ItemEvent> precomputedItems(int n, IndexingSettings settings) {
    List<ItemEvent> items = new ArrayList<>();
    List<float[]> vectors = BenchData.unitVectors(n, settings.embeddingDimension(), 5);
    for (int i = 0; i < n; i++) {
      items.add(BenchData.precomputedItem("pre-" + i, vectors.get(i), settings.embeddingModel()));
    }
    return items;
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }

  /** Gives a catalog's items ids with a prefix, so that phases of one run never share an item. */
  private record Prefixed(SyntheticCatalog catalog, String prefix)
      implements io.moc.source.CatalogSource {
    @Override
    public boolean hasNext() {
      return catalog.hasNext();
    }

    @Override
    public SourceEvent next() {
      SourceEvent e = catalog.next();
      if (e instanceof SourceEvent.Item item) {
        return SourceEvent.of(
            ItemEvent.newBuilder(item.item()).setItemId(prefix + item.item().getItemId()).build());
      }
      return e;
    }

    @Override
    public String describe() {
      return catalog.describe();
    }
  }
}
