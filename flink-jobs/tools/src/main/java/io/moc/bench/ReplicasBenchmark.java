package io.moc.bench;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.moc.common.CodebookOptions;
import io.moc.common.KafkaOptions;
import io.moc.indexing.IndexingOptions;
import io.moc.local.LocalFlinkCluster;
import io.moc.local.LocalRuntime;
import io.moc.local.Topics;
import io.moc.report.JsonReport;
import io.moc.report.MeanStd;
import io.moc.source.KafkaFeeder;
import io.moc.training.TrainingExample;
import io.moc.training.TrainingOptions;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * {@code bin/moc bench replicas}: the CTR training job with one trainer subtask and with N replicas
 * ({@code moc.training.trainer-parallelism}) on the same backlog of impressions, through a real
 * broker JVM and a MiniCluster, alternating 1, N, 1, N… so that the shared machine's drift cuts
 * both ways: examples/s of each, their ratio, and the prequential AUC each reaches at the end of
 * the backlog (the task of {@link TrainingBenchmark}).
 */
public final class ReplicasBenchmark {

  /** What the user chose. */
  public record Options(
      Path workDir,
      Path report,
      int kafkaPort,
      int items,
      int examples,
      int warmupExamples,
      int replicas,
      int runs,
      Configuration jobConfig) {}

  /** One job's run over the backlog. */
  public record Run(
      int replicas, long examplesPerS, long measuredExamples, double measuredSeconds, double auc) {}

  /** The figures. */
  public record Report(
      int cores,
      String pytorchThreads,
      int items,
      int examples,
      int warmupExamples,
      int replicas,
      double averagingIntervalS,
      List<Run> runs,
      @JsonProperty("examples_per_s_1") MeanStd examplesPerS1,
      @JsonProperty("examples_per_s_n") MeanStd examplesPerSN,
      double ratio,
      @JsonProperty("prequential_auc_1") MeanStd auc1,
      @JsonProperty("prequential_auc_n") MeanStd aucN,
      double aucDifference) {}

  private final Options options;
  private final PrintStream console;

  public ReplicasBenchmark(Options options, PrintStream console) {
    this.options = options;
    this.console = console;
  }

  public Report run() throws Exception {
    Path workDir = options.workDir().toAbsolutePath();
    Files.createDirectories(workDir.resolve("kafka"));
    Configuration base = new Configuration(options.jobConfig());
    int m = base.get(IndexingOptions.NUM_CODEBOOKS);
    int k = base.get(CodebookOptions.CODEBOOK_SIZE);
    int[][] codes = TrainingBenchmark.catalog(options.items(), m, k, 3);
    List<TrainingExample> warmup =
        TrainingBenchmark.examples(codes, k, 0, options.warmupExamples(), 5);
    List<TrainingExample> timed =
        TrainingBenchmark.examples(codes, k, options.warmupExamples(), options.examples(), 6);
    List<Run> runs = new ArrayList<>();
    double averaging;
    try (LocalRuntime local = LocalRuntime.start(workDir, options.kafkaPort(), base);
        LocalFlinkCluster cluster = local.startFlink(Math.max(2, options.replicas()), 0)) {
      String bootstrap = local.bootstrapServers();
      Configuration jobConfig = local.jobConfig();
      averaging = jobConfig.get(TrainingOptions.AVERAGING_INTERVAL).toMillis() / 1000.0;
      TrainingBenchmark.publishCodes(
          bootstrap, jobConfig.get(KafkaOptions.ITEM_CODES_TOPIC), codes);
      String impressions = jobConfig.get(KafkaOptions.IMPRESSIONS_TOPIC);
      try (KafkaProducer<byte[], byte[]> producer =
          new KafkaProducer<>(KafkaFeeder.producerProperties(bootstrap))) {
        for (List<TrainingExample> part : List.of(warmup, timed)) {
          for (TrainingExample e : part) {
            producer.send(TrainingBenchmark.impression(impressions, e));
          }
        }
        producer.flush();
      }
      for (int i = 0; i < 2 * options.runs(); i++) {
        int replicas = i % 2 == 0 ? 1 : options.replicas();
        Configuration config = new Configuration(jobConfig);
        // Each run reads the whole backlog under a group of its own and publishes on its own topic.
        config.set(TrainingOptions.TRAINER_PARALLELISM, replicas);
        config.set(TrainingOptions.GROUP_ID, "moc-training-replicas-bench-" + i);
        config.set(KafkaOptions.CTR_MODELS_TOPIC, "bench-replicas-ctr-models-" + i);
        config.set(TrainingOptions.PUBLISH_INTERVAL, java.time.Duration.ofSeconds(2));
        config.set(
            TrainingOptions.MODEL_STORE, workDir.resolve("models-run-" + i).toUri().toString());
        Topics.create(bootstrap, Topics.definitions(config, 4));
        TrainingBenchmark.Backlog b =
            TrainingBenchmark.trainBacklog(
                cluster,
                bootstrap,
                config,
                warmup.size(),
                warmup.size() + timed.size(),
                replicas,
                "moc training (" + replicas + " trainer subtasks)");
        Run run =
            new Run(
                replicas,
                Math.round(b.examplesPerS()),
                b.examples(),
                TrainingBenchmark.round(b.seconds()),
                b.finalAuc());
        console.printf(
            "run %d: %d trainer subtask(s): %d examples/s over %.1f s, prequential AUC %.4f%n",
            i + 1, replicas, run.examplesPerS(), run.measuredSeconds(), run.auc());
        runs.add(run);
      }
    }
    MeanStd rate1 = MeanStd.of(figures(runs, 1, true));
    MeanStd rateN = MeanStd.of(figures(runs, options.replicas(), true));
    MeanStd auc1 = MeanStd.of(figures(runs, 1, false));
    MeanStd aucN = MeanStd.of(figures(runs, options.replicas(), false));
    Report report =
        new Report(
            Runtime.getRuntime().availableProcessors(),
            System.getProperty("ai.djl.pytorch.num_threads", "default"),
            options.items(),
            options.examples(),
            options.warmupExamples(),
            options.replicas(),
            averaging,
            runs,
            rate1,
            rateN,
            TrainingBenchmark.round(rateN.meanOrNaN() / rate1.meanOrNaN()),
            auc1,
            aucN,
            Math.round((aucN.meanOrNaN() - auc1.meanOrNaN()) * 1e4) / 1e4);
    console.printf(
        "1 subtask: %s examples/s, AUC %s; %d subtasks: %s examples/s, AUC %s; ratio %.2f, AUC"
            + " difference %+.4f%n",
        rate1, auc1, options.replicas(), rateN, aucN, report.ratio(), report.aucDifference());
    if (options.report() != null) {
      console.println("Report written to " + JsonReport.write(options.report(), report));
    }
    return report;
  }

  private static double[] figures(List<Run> runs, int replicas, boolean rate) {
    return runs.stream()
        .filter(r -> r.replicas() == replicas)
        .mapToDouble(r -> rate ? r.examplesPerS() : r.auc())
        .toArray();
  }
}
