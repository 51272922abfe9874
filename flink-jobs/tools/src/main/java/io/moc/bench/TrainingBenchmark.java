package io.moc.bench;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import io.moc.avro.AvroBytes;
import io.moc.avro.ImpressionEvent;
import io.moc.avro.ModelSnapshot;
import io.moc.common.CodebookOptions;
import io.moc.common.KafkaOptions;
import io.moc.ctr.online.FeatureContract;
import io.moc.ctr.online.OnlineCtrTrainer;
import io.moc.indexing.CodedItem;
import io.moc.indexing.IndexingOptions;
import io.moc.kafka.KafkaConnection;
import io.moc.local.LocalFlinkCluster;
import io.moc.local.LocalRuntime;
import io.moc.local.Topics;
import io.moc.report.JsonReport;
import io.moc.source.KafkaFeeder;
import io.moc.training.OnlineModelSettings;
import io.moc.training.TrainingExample;
import io.moc.training.TrainingOptions;
import io.moc.training.TrainingSettings;
import io.moc.util.SplitMix64;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.ToLongFunction;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.WakeupException;

/**
 * {@code bin/moc bench training}: the CTR training job through a real broker JVM and a MiniCluster
 * (parallelism 1, RocksDB, the job's checkpoint defaults). (a) the rate at which the online trainer
 * consumes a backlog of examples, next to the same model trained by a plain loop over the same
 * examples in this JVM ({@link OnlineCtrTrainer#accept}, no Flink), before and after the job; (b)
 * model freshness at a steady impression rate and the default publish interval: from an
 * impression's append to {@code impressions} to the moment the first model snapshot trained on it
 * is visible to a read_committed reader of {@code ctr-models}. That is the publish interval's wait
 * plus the wait for the checkpoint that commits the snapshot (the ctr-models sink is exactly-once).
 *
 * <p>The task is learnable: a user clicks an item with probability 0.6 when the item's first code
 * is below K/2, else 0.05.
 */
public final class TrainingBenchmark {

  /** What the user chose. */
  public record Options(
      Path workDir,
      Path report,
      int kafkaPort,
      int items,
      int examples,
      int warmupExamples,
      Duration throughputPublishInterval,
      double freshnessRate,
      Duration freshnessWarmup,
      Duration freshnessDuration,
      Configuration jobConfig) {}

  /**
   * The figures: (a) the job's rate next to the plain loop's before and after it (their mean is the
   * baseline of {@code ratio}), (b) model freshness and what snapshots cost.
   */
  public record Report(
      int cores,
      String pytorchThreads,
      int items,
      int numCodebooks,
      int codebookSize,
      int batchSize,
      int examples,
      int warmupExamples,
      double checkpointIntervalS,
      double retrainIntervalS,
      @JsonUnwrapped Throughput throughput,
      @JsonUnwrapped Freshness freshness,
      @JsonProperty("raw_examples_per_s_before") long rawExamplesPerSBefore,
      @JsonProperty("raw_examples_per_s_after") long rawExamplesPerSAfter,
      long rawExamplesPerS,
      double ratio) {}

  /** (a): the job's rate between the first and last snapshot inside the timed backlog. */
  public record Throughput(
      long flinkExamplesPerS,
      long flinkMeasuredExamples,
      double flinkMeasuredSeconds,
      double throughputPublishIntervalS) {}

  /** (b): from an impression's append to the first snapshot trained on it; what snapshots cost. */
  public record Freshness(
      double freshnessRatePerS,
      long freshnessSeconds,
      int freshnessSamples,
      double publishIntervalS,
      @JsonProperty("freshness_s_p50") double freshnessSP50,
      @JsonProperty("freshness_s_p99") double freshnessSP99,
      @JsonProperty("freshness_append_s_p50") double freshnessAppendSP50,
      @JsonProperty("freshness_append_s_p99") double freshnessAppendSP99,
      @JsonProperty("snapshot_commit_wait_s_p50") double snapshotCommitWaitSP50,
      int snapshotsPublished,
      @JsonUnwrapped Snapshots snapshots) {}

  /**
   * Sizes of the full and delta artifacts, and the trainer's time in publication.
   *
   * @param bytesPerSnapshotOverFull null where no full snapshot was published
   * @param publishShareOfTaskThread of each publish interval
   */
  public record Snapshots(
      int fullSnapshots,
      int deltaSnapshots,
      long fullSnapshotBytesP50,
      long deltaSnapshotBytesP50,
      long deltaSnapshotBytesMax,
      long bytesPerSnapshotMean,
      Double bytesPerSnapshotOverFull,
      double fullPublishMsP50,
      double deltaPublishMsP50,
      double publishShareOfTaskThread) {}

  /** A committed model snapshot as a model server sees it. */
  record Publication(
      long examplesTrained,
      long createdTime,
      long appendTime,
      long visibleTime,
      double lastEventTime,
      boolean delta,
      long artifactBytes,
      double publishMs,
      double prequentialAuc) {}

  private static final long CODEBOOK_VERSION = 1;
  private static final int USERS = 10_000;
  private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
  private static final Duration TIMEOUT = Duration.ofMinutes(5);

  private final Options options;
  private final PrintStream console;

  public TrainingBenchmark(Options options, PrintStream console) {
    this.options = options;
    this.console = console;
  }

  public Report run() throws Exception {
    Path workDir = options.workDir().toAbsolutePath();
    Files.createDirectories(workDir.resolve("kafka"));

    Configuration base = new Configuration(options.jobConfig());
    int m = base.get(IndexingOptions.NUM_CODEBOOKS);
    int k = base.get(CodebookOptions.CODEBOOK_SIZE);
    int[][] codes = catalog(options.items(), m, k, 3);
    List<TrainingExample> warmup = examples(codes, k, 0, options.warmupExamples(), 5);
    List<TrainingExample> timed =
        examples(codes, k, options.warmupExamples(), options.examples(), 6);
    OnlineModelSettings model = TrainingOptions.read(base).model();

    // The plain loop runs before the job and again after it, in this JVM: the job is compared with
    // the mean, so JIT warm-up and the shared machine's noise cut both ways.
    double rawBefore = rawExamplesPerSecond(model, m, warmup, timed);
    console.printf("raw trainer loop: %.0f examples/s%n", rawBefore);

    double checkpointInterval;
    double retrainInterval;
    Throughput throughput;
    Freshness freshness;
    try (LocalRuntime local = LocalRuntime.start(workDir, options.kafkaPort(), base);
        LocalFlinkCluster cluster = local.startFlink(2, 0)) {
      String bootstrap = local.bootstrapServers();
      Configuration jobConfig = local.jobConfig();
      checkpointInterval =
          jobConfig.get(CheckpointingOptions.CHECKPOINTING_INTERVAL).toMillis() / 1000.0;
      retrainInterval = jobConfig.get(TrainingOptions.RETRAIN_INTERVAL).toMillis() / 1000.0;
      publishCodes(bootstrap, jobConfig.get(KafkaOptions.ITEM_CODES_TOPIC), codes);

      throughput = throughput(cluster, bootstrap, jobConfig, workDir, warmup, timed);
      freshness = freshness(cluster, bootstrap, jobConfig, workDir, codes, k);
    }

    double rawAfter = rawExamplesPerSecond(model, m, warmup, timed);
    double raw = (rawBefore + rawAfter) / 2;
    double flink = throughput.flinkExamplesPerS();
    Report report =
        new Report(
            Runtime.getRuntime().availableProcessors(),
            System.getProperty("ai.djl.pytorch.num_threads", "default"),
            options.items(),
            m,
            k,
            model.batchSize(),
            options.examples(),
            options.warmupExamples(),
            checkpointInterval,
            retrainInterval,
            throughput,
            freshness,
            Math.round(rawBefore),
            Math.round(rawAfter),
            Math.round(raw),
            round(flink / raw));
    console.printf(
        "training: job %.0f examples/s, raw loop %.0f (before %.0f, after %.0f), ratio %.2f%n",
        flink, raw, rawBefore, rawAfter, flink / raw);
    if (options.report() != null) {
      console.println("Report written to " + JsonReport.write(options.report(), report));
    }
    return report;
  }

  /**
   * (a): warm-up and timed impressions are on the topic before the job starts, so the producer does
   * not compete with the job for the cores; the rate is taken between snapshots published while the
   * trainer was still working through the timed backlog. The job publishes more often here than by
   * default (one snapshot per interval is the only clock there is), which costs it an artifact
   * write per interval.
   */
  private Throughput throughput(
      LocalFlinkCluster cluster,
      String bootstrap,
      Configuration base,
      Path workDir,
      List<TrainingExample> warmup,
      List<TrainingExample> timed)
      throws Exception {
    Configuration config = new Configuration(base);
    config.set(TrainingOptions.PUBLISH_INTERVAL, options.throughputPublishInterval());
    config.set(
        TrainingOptions.MODEL_STORE, workDir.resolve("models-throughput").toUri().toString());
    TrainingSettings settings = TrainingOptions.read(config);
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(KafkaFeeder.producerProperties(bootstrap))) {
      for (List<TrainingExample> part : List.of(warmup, timed)) {
        for (TrainingExample e : part) {
          producer.send(impression(settings.impressionsTopic(), e));
        }
      }
      producer.flush();
    }
    Backlog run =
        trainBacklog(
            cluster,
            bootstrap,
            config,
            warmup.size(),
            warmup.size() + timed.size(),
            1,
            "moc training (throughput bench)");
    console.printf(
        "training job: %.0f examples/s over %.1f s (%d examples, snapshots every %d ms)%n",
        run.examplesPerS(),
        run.seconds(),
        run.examples(),
        options.throughputPublishInterval().toMillis());
    return new Throughput(
        Math.round(run.examplesPerS()),
        run.examples(),
        round(run.seconds()),
        options.throughputPublishInterval().toMillis() / 1e3);
  }

  /**
   * One job through a backlog already on the impressions topic: its rate between the first snapshot
   * past the warm-up and the last one still inside the backlog, and the prequential AUC of the last
   * snapshot.
   */
  record Backlog(double examplesPerS, long examples, double seconds, double finalAuc) {}

  /**
   * Runs the training job on {@code config}'s topics until it has trained the backlog, then cancels
   * it. With several trainer replicas each holds back a partial batch, so the wait is for all but
   * those.
   */
  static Backlog trainBacklog(
      LocalFlinkCluster cluster,
      String bootstrap,
      Configuration config,
      long warmup,
      long total,
      int replicas,
      String jobName)
      throws Exception {
    TrainingSettings settings = TrainingOptions.read(config);
    // Trained counts move in whole batches: the last partial batch waits for examples that never
    // come.
    int batch = settings.model().batchSize();
    long lastFull = total - total % batch - (long) (replicas - 1) * batch;
    try (SnapshotWatcher snapshots = SnapshotWatcher.start(bootstrap, settings.ctrModelsTopic())) {
      JobID job = cluster.submitTraining(config, 1, jobName);
      snapshots.awaitTrained(lastFull, TIMEOUT);
      cluster.cancel(job);
      List<Publication> pubs = snapshots.publications();
      Publication first = null;
      Publication last = null;
      for (Publication p : pubs) {
        if (first == null && p.examplesTrained() >= warmup) {
          first = p;
        }
        // Still in the backlog: the trainer was busy up to this snapshot.
        if (first != null && p != first && p.examplesTrained() < lastFull) {
          last = p;
        }
      }
      if (first == null || last == null) {
        throw new IllegalStateException(
            "too few snapshots inside the timed backlog for a rate; raise --examples: " + pubs);
      }
      double seconds = (last.createdTime() - first.createdTime()) / 1000.0;
      double rate = (last.examplesTrained() - first.examplesTrained()) / seconds;
      return new Backlog(
          rate,
          last.examplesTrained() - first.examplesTrained(),
          seconds,
          pubs.get(pubs.size() - 1).prequentialAuc());
    }
  }

  /**
   * (b): a second job, on topics of its own, at the job's default publish interval unless
   * configured; impressions at a steady rate with event time = send time. Impression n (in send
   * order) counts as trained by the first snapshot whose examples_trained exceeds n: at parallelism
   * 1 the trainer takes examples in arrival order, and at a steady rate far below its capacity the
   * four partitions and the keyed join reorder them by milliseconds, a few positions at most.
   */
  private Freshness freshness(
      LocalFlinkCluster cluster,
      String bootstrap,
      Configuration base,
      Path workDir,
      int[][] codes,
      int k)
      throws Exception {
    Configuration config = new Configuration(base);
    config.set(KafkaOptions.IMPRESSIONS_TOPIC, "bench-freshness-impressions");
    config.set(KafkaOptions.CTR_MODELS_TOPIC, "bench-freshness-ctr-models");
    config.set(TrainingOptions.GROUP_ID, "moc-training-freshness-bench");
    config.set(TrainingOptions.MODEL_STORE, workDir.resolve("models-freshness").toUri().toString());
    Topics.create(bootstrap, Topics.definitions(config, 4));
    TrainingSettings settings = TrainingOptions.read(config);
    double rate = options.freshnessRate();
    int from = (int) (rate * options.freshnessWarmup().toMillis() / 1000);
    int to = from + (int) (rate * options.freshnessDuration().toMillis() / 1000);
    long[] appendTimes = new long[to + (int) (rate * TIMEOUT.toSeconds())];
    Arrays.fill(appendTimes, -1);
    SplitMix64 random = new SplitMix64(17);
    try (SnapshotWatcher snapshots = SnapshotWatcher.start(bootstrap, settings.ctrModelsTopic());
        KafkaProducer<byte[], byte[]> producer =
            new KafkaProducer<>(KafkaFeeder.producerProperties(bootstrap))) {
      JobID job = cluster.submitTraining(config, 1, "moc training (freshness bench)");
      console.printf(
          "freshness: %.0f impressions/s, %d s warm-up then %d s sampled; publish interval %d ms%n",
          rate,
          options.freshnessWarmup().toSeconds(),
          options.freshnessDuration().toSeconds(),
          settings.model().publishIntervalMillis());
      long start = System.nanoTime();
      int n = 0;
      // Feeding goes on past the sampled stretch until a snapshot covers all of it: the sampled
      // stretch's last partial batch trains only when more examples fill it.
      while (n < to || snapshots.maxTrained() < to) {
        if (n >= appendTimes.length) {
          throw new IllegalStateException(
              "sampled impressions not trained: " + snapshots.maxTrained());
        }
        long due = start + (long) (n * 1e9 / rate);
        long wait = due - System.nanoTime();
        if (wait > 0) {
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
        TrainingExample e = example(codes, k, n, random, System.currentTimeMillis());
        int position = n;
        producer.send(
            impression(settings.impressionsTopic(), e),
            (meta, error) -> {
              if (error == null) {
                appendTimes[position] = meta.timestamp();
              }
            });
        n++;
      }
      producer.flush();
      cluster.cancel(job);
      List<Publication> pubs = snapshots.publications();
      double[] visible = freshnessSeconds(appendTimes, from, to, pubs, Publication::visibleTime);
      double[] appended = freshnessSeconds(appendTimes, from, to, pubs, Publication::appendTime);
      // Written to visible: the wait for the checkpoint that commits the snapshot. With publish and
      // checkpoint intervals equal, both timers keep the phase they start with, so this wait is
      // nearly the same for every snapshot of a run and differs between runs (0 to one interval).
      double[] commitWait =
          pubs.stream().mapToDouble(p -> (p.visibleTime() - p.appendTime()) / 1000.0).toArray();
      console.printf(
          "freshness over %d impressions: p50 %.2f s, p99 %.2f s (snapshot written: p50 %.2f s,"
              + " p99 %.2f s)%n",
          visible.length,
          percentile(visible, 0.50),
          percentile(visible, 0.99),
          percentile(appended, 0.50),
          percentile(appended, 0.99));
      long publishInterval = settings.model().publishIntervalMillis();
      return new Freshness(
          rate,
          options.freshnessDuration().toSeconds(),
          visible.length,
          publishInterval / 1000.0,
          round(percentile(visible, 0.50)),
          round(percentile(visible, 0.99)),
          // The broker stamps a transactional record when it is written, before the checkpoint
          // that commits it: this is how long after the impression the snapshot was written, not
          // when a read_committed reader could first see it (the figures above).
          round(percentile(appended, 0.50)),
          round(percentile(appended, 0.99)),
          round(percentile(commitWait, 0.50)),
          pubs.size(),
          snapshotSizes(pubs, publishInterval));
    }
  }

  /**
   * Seconds from each impression's append (positions {@code from} to {@code to}) to {@code time} of
   * the first publication whose examples_trained exceeds its position; publications in the order
   * they were read (examples_trained never falls). Impressions no publication covers, or whose
   * append time is unknown, are left out.
   */
  static double[] freshnessSeconds(
      long[] appendTimes,
      int from,
      int to,
      List<Publication> pubs,
      ToLongFunction<Publication> time) {
    double[] out = new double[to - from];
    int count = 0;
    int p = 0;
    for (int n = from; n < to; n++) {
      while (p < pubs.size() && pubs.get(p).examplesTrained() <= n) {
        p++;
      }
      if (p == pubs.size()) {
        break;
      }
      if (appendTimes[n] >= 0) {
        out[count++] = (time.applyAsLong(pubs.get(p)) - appendTimes[n]) / 1000.0;
      }
    }
    return Arrays.copyOf(out, count);
  }

  /** Nearest-rank percentile; NaN for no values. */
  static double percentile(double[] values, double q) {
    if (values.length == 0) {
      return Double.NaN;
    }
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int rank = (int) Math.ceil(q * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  /** Examples per second of the model trained by a plain loop, after an untimed warm-up. */
  static double rawExamplesPerSecond(
      OnlineModelSettings settings,
      int numCodebooks,
      List<TrainingExample> warmup,
      List<TrainingExample> timed) {
    FeatureContract contract = settings.contract(CODEBOOK_VERSION, numCodebooks);
    try (OnlineCtrTrainer trainer =
        OnlineCtrTrainer.create(settings.model(contract), contract, settings.trainer())) {
      for (TrainingExample e : warmup) {
        trainer.accept(e);
      }
      long start = System.nanoTime();
      for (TrainingExample e : timed) {
        trainer.accept(e);
      }
      return timed.size() / ((System.nanoTime() - start) / 1e9);
    }
  }

  /** Random codes for {@code items} items, {@code m} codes each in [0, k). */
  static int[][] catalog(int items, int m, int k, long seed) {
    SplitMix64 random = new SplitMix64(seed);
    int[][] codes = new int[items][m];
    for (int[] c : codes) {
      for (int j = 0; j < m; j++) {
        c[j] = random.nextInt(k);
      }
    }
    return codes;
  }

  static String itemId(int i) {
    return "item-" + i;
  }

  /** Impressions {@code offset} to {@code offset + n} of the learnable task, as the join emits. */
  static List<TrainingExample> examples(int[][] codes, int k, int offset, int n, long seed) {
    SplitMix64 random = new SplitMix64(seed);
    List<TrainingExample> out = new ArrayList<>(n);
    for (int i = offset; i < offset + n; i++) {
      out.add(example(codes, k, i, random, START.toEpochMilli() + 10L * i));
    }
    return out;
  }

  private static TrainingExample example(
      int[][] codes, int k, int n, SplitMix64 random, long eventTime) {
    int item = random.nextInt(codes.length);
    TrainingExample e = new TrainingExample();
    e.impressionId = "imp-" + n;
    e.userId = "user-" + random.nextInt(USERS);
    e.itemId = itemId(item);
    e.codebookVersion = CODEBOOK_VERSION;
    e.codes = codes[item];
    e.clicked = random.nextDouble() < (codes[item][0] < k / 2 ? 0.6 : 0.05);
    e.eventTime = eventTime;
    // The codes' item event time, as the join sets it.
    e.itemFirstSeen = START.toEpochMilli();
    return e;
  }

  static ProducerRecord<byte[], byte[]> impression(String topic, TrainingExample e) {
    ImpressionEvent event =
        ImpressionEvent.newBuilder()
            .setImpressionId(e.impressionId)
            .setUserId(e.userId)
            .setItemId(e.itemId)
            .setEventTime(Instant.ofEpochMilli(e.eventTime))
            .setClicked(e.clicked)
            .build();
    return new ProducerRecord<>(
        topic, e.userId.getBytes(StandardCharsets.UTF_8), AvroBytes.encode(event));
  }

  static void publishCodes(String bootstrap, String topic, int[][] codes) throws Exception {
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(KafkaFeeder.producerProperties(bootstrap))) {
      for (int i = 0; i < codes.length; i++) {
        long t = START.toEpochMilli();
        producer.send(
            CodedItem.of(itemId(i), CODEBOOK_VERSION, codes[i], 0f, t, t).toRecord(topic));
      }
      producer.flush();
    }
  }

  /**
   * Sizes of the full and delta artifacts, and what publishing costs the trainer: the task thread's
   * time in publication (serialising, diffing, writing) per publish interval.
   */
  private static Snapshots snapshotSizes(List<Publication> pubs, long publishIntervalMillis) {
    double[] full =
        pubs.stream().filter(p -> !p.delta()).mapToDouble(Publication::artifactBytes).toArray();
    double[] delta =
        pubs.stream().filter(Publication::delta).mapToDouble(Publication::artifactBytes).toArray();
    double perSnapshot =
        pubs.stream().mapToDouble(Publication::artifactBytes).average().orElse(Double.NaN);
    double[] fullMs =
        pubs.stream().filter(p -> !p.delta()).mapToDouble(Publication::publishMs).toArray();
    double[] deltaMs =
        pubs.stream().filter(Publication::delta).mapToDouble(Publication::publishMs).toArray();
    double meanMs = pubs.stream().mapToDouble(Publication::publishMs).average().orElse(Double.NaN);
    return new Snapshots(
        full.length,
        delta.length,
        Math.round(percentile(full, 0.50)),
        Math.round(percentile(delta, 0.50)),
        Math.round(percentile(delta, 1.0)),
        Math.round(perSnapshot),
        full.length == 0 ? null : round(perSnapshot / percentile(full, 0.50)),
        round(percentile(fullMs, 0.50)),
        round(percentile(deltaMs, 0.50)),
        // Of the trainer's task thread: the throughput publishing takes at this cadence.
        round(meanMs / publishIntervalMillis));
  }

  private static long artifactBytes(String uri) {
    try {
      return Files.size(Path.of(java.net.URI.create(uri)));
    } catch (Exception e) {
      return -1;
    }
  }

  static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }

  /**
   * Reads committed snapshots of one ctr-models topic on a daemon thread, noting when each came.
   */
  private static final class SnapshotWatcher implements Runnable, AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String topic;
    private final List<Publication> seen = new CopyOnWriteArrayList<>();
    private volatile long maxTrained = -1;
    private volatile boolean closed;

    private SnapshotWatcher(String bootstrap, String topic) {
      // What a model server sees: committed snapshots only.
      Properties p = KafkaConnection.plaintext(bootstrap).bytesReaderProperties();
      p.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-models-" + UUID.randomUUID());
      this.consumer = new KafkaConsumer<>(p);
      this.topic = topic;
    }

    static SnapshotWatcher start(String bootstrap, String topic) {
      SnapshotWatcher w = new SnapshotWatcher(bootstrap, topic);
      Thread t = new Thread(w, "bench-snapshots");
      t.setDaemon(true);
      t.start();
      return w;
    }

    @Override
    public void run() {
      consumer.subscribe(List.of(topic));
      try {
        while (!closed) {
          var records = consumer.poll(Duration.ofMillis(50));
          long now = System.currentTimeMillis();
          for (ConsumerRecord<byte[], byte[]> r : records) {
            ModelSnapshot s = AvroBytes.decode(ModelSnapshot.class, r.value());
            Map<String, Double> metrics = s.getMetrics();
            long trained = metrics.getOrDefault("examples_trained", -1.0).longValue();
            seen.add(
                new Publication(
                    trained,
                    s.getCreatedTime().toEpochMilli(),
                    r.timestamp(),
                    now,
                    metrics.getOrDefault("last_event_time", Double.NaN),
                    s.getBaseVersion() >= 0,
                    artifactBytes(s.getArtifactUri()),
                    metrics.getOrDefault("publish_ms", Double.NaN),
                    metrics.getOrDefault("prequential_auc", Double.NaN)));
            maxTrained = Math.max(maxTrained, trained);
          }
        }
      } catch (WakeupException e) {
        if (!closed) {
          throw e;
        }
      } finally {
        consumer.close();
      }
    }

    long maxTrained() {
      return maxTrained;
    }

    List<Publication> publications() {
      return List.copyOf(seen);
    }

    void awaitTrained(long examples, Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (maxTrained < examples) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "no snapshot trained on " + examples + " examples in " + timeout + ": " + seen);
        }
        Thread.sleep(100);
      }
    }

    @Override
    public void close() {
      closed = true;
      consumer.wakeup();
    }
  }
}
