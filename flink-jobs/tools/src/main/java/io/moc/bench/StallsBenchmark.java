package io.moc.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.moc.cluster.FlinkRest;
import io.moc.indexing.IndexingOptions;
import io.moc.local.BrokerWatchdog;
import io.moc.local.CodesMonitor;
import io.moc.local.Feed;
import io.moc.local.LocalFlinkCluster;
import io.moc.local.LocalStack;
import io.moc.report.JsonReport;
import io.moc.training.TrainingOptions;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;

/**
 * {@code bin/moc bench stalls}: what the stream waits for while models train. The local stack runs
 * twice in one run, on the same feed, with codebook trainings ({@code moc} at the configured M and
 * K, no bootstrap) and CTR retraining passes far more often than by default: first with both on the
 * task thread (the behaviour before, {@code moc.codebook.train-in-background: false} and {@code
 * moc.training.retrain-chunk-time: 0}), then as configured (a worker thread for codebooks, chunked
 * passes for the CTR model). For each: items → item-codes latency, checkpoint durations of both
 * jobs (every completed checkpoint, not a sample), how many trainings and passes ran and how long
 * the last ones took, and what both jobs got through.
 */
public final class StallsBenchmark {

  private static final Duration SAMPLE_EVERY = Duration.ofSeconds(3);

  /** What the user chose. */
  public record Options(
      Duration duration,
      double itemsPerSecond,
      double impressionsPerSecond,
      Duration codebookEvery,
      Duration retrainEvery,
      Path report,
      Path workDir,
      int kafkaPort,
      int uiPort,
      Configuration jobConfig) {}

  private final Options options;
  private final PrintStream out;

  public StallsBenchmark(Options options, PrintStream out) {
    this.options = options;
    this.out = out;
  }

  public Map<String, Object> run() throws Exception {
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("cores", Runtime.getRuntime().availableProcessors());
    report.put("duration_s", options.duration().toSeconds());
    report.put("items_per_s", options.itemsPerSecond());
    report.put("impressions_per_s", options.impressionsPerSecond());
    report.put("codebook_every_s", options.codebookEvery().toSeconds());
    report.put("retrain_every_s", options.retrainEvery().toSeconds());
    Map<String, Object> before = phase("task-thread", false);
    Map<String, Object> after = phase("background", true);
    report.put("task_thread", before);
    report.put("background", after);
    Map<String, Object> ratios = new LinkedHashMap<>();
    for (String key :
        List.of(
            "codes_latency_ms_p50",
            "codes_latency_ms_p99",
            "indexing_checkpoint_ms_p50",
            "indexing_checkpoint_ms_p99",
            "indexing_checkpoint_ms_max",
            "training_checkpoint_ms_p50",
            "training_checkpoint_ms_p99",
            "training_checkpoint_ms_max",
            "examples_trained",
            "items_coded")) {
      ratios.put(key, ratio(after.get(key), before.get(key)));
    }
    report.put("background_over_task_thread", ratios);
    out.println("STALLS background / task thread: " + ratios);
    if (options.report() != null) {
      out.println("Report written to " + JsonReport.write(options.report(), report));
    }
    return report;
  }

  private static Double ratio(Object after, Object before) {
    if (!(after instanceof Number a) || !(before instanceof Number b) || b.doubleValue() <= 0) {
      return null;
    }
    return Math.round(a.doubleValue() / b.doubleValue() * 1000) / 1000.0;
  }

  /** One run of the stack, trainings where {@code background} says. */
  private Map<String, Object> phase(String name, boolean background) throws Exception {
    Configuration config = new Configuration(options.jobConfig());
    // Every version of the method itself, and often: what is measured is the method's training.
    config.set(IndexingOptions.BOOTSTRAP_METHOD, "");
    config.set(IndexingOptions.RETRAIN_INTERVAL, options.codebookEvery());
    config.set(IndexingOptions.RETRAIN_MIN_NEW_ITEMS, 100);
    config.set(TrainingOptions.RETRAIN_INTERVAL, options.retrainEvery());
    if (!background) {
      config.set(IndexingOptions.TRAIN_IN_BACKGROUND, false);
      config.set(TrainingOptions.RETRAIN_CHUNK_TIME, Duration.ZERO);
    }
    Path workDir = options.workDir().resolve(name).toAbsolutePath();
    Path feedReport = workDir.resolve("feed-report.json");
    LocalStack.Options local =
        new LocalStack.Options(
            workDir,
            options.kafkaPort(),
            options.uiPort(),
            1,
            config,
            new Feed.Options(
                null,
                0,
                0,
                options.itemsPerSecond(),
                options.impressionsPerSecond(),
                1000,
                7,
                options.duration().toMillis(),
                feedReport,
                false,
                false),
            BrokerWatchdog.OnLoss.FAIL);
    out.printf(
        "STALLS %s: %s for %ds%n",
        name,
        background ? "codebooks on a worker thread, CTR passes in steps" : "all on the task thread",
        options.duration().toSeconds());
    Sampler sampler = new Sampler();
    int rc = new LocalStack(local, out, sampler::start).run();
    JsonNode feed = new ObjectMapper().readTree(feedReport.toFile());
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("exit_code", rc);
    result.put("codes_latency_ms_p50", feed.path("codes_latency_ms_p50").asLong());
    result.put("codes_latency_ms_p99", feed.path("codes_latency_ms_p99").asLong());
    result.put("codes_latency_samples", feed.path("codes_latency_samples").asLong());
    result.put("items_coded", feed.path("items_coded_keys").asLong());
    result.put("examples_trained", feed.path("examples_trained").asLong());
    result.put("codebook_version", feed.path("codebook_version").asLong());
    summarise(result, "indexing", sampler.indexing);
    summarise(result, "training", sampler.training);
    result.putAll(sampler.gauges);
    out.println("STALLS " + name + ": " + result);
    return result;
  }

  private static void summarise(Map<String, Object> result, String job, Map<Long, Long> byId) {
    long[] durations = byId.values().stream().mapToLong(Long::longValue).sorted().toArray();
    result.put(job + "_checkpoints", durations.length);
    result.put(job + "_checkpoint_ms_p50", CodesMonitor.percentile(durations, 0.50));
    result.put(job + "_checkpoint_ms_p99", CodesMonitor.percentile(durations, 0.99));
    result.put(
        job + "_checkpoint_ms_max", durations.length == 0 ? -1 : durations[durations.length - 1]);
  }

  /**
   * Collects every completed checkpoint of both jobs (the dashboard keeps only the recent ones, so
   * it is asked every few seconds) and, at the end, the jobs' training counters and gauges.
   */
  private final class Sampler {
    final Map<Long, Long> indexing = new ConcurrentHashMap<>();
    final Map<Long, Long> training = new ConcurrentHashMap<>();
    final Map<String, Object> gauges = new LinkedHashMap<>();

    AutoCloseable start(LocalStack.Running running) {
      ScheduledExecutorService timer =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "stalls-sampler");
                t.setDaemon(true);
                return t;
              });
      timer.scheduleAtFixedRate(
          () -> {
            collect(running.cluster(), running.indexingJob(), indexing);
            collect(running.cluster(), running.trainingJob(), training);
          },
          0,
          SAMPLE_EVERY.toMillis(),
          TimeUnit.MILLISECONDS);
      return () -> {
        timer.shutdownNow();
        timer.awaitTermination(10, TimeUnit.SECONDS);
        collect(running.cluster(), running.indexingJob(), indexing);
        collect(running.cluster(), running.trainingJob(), training);
        FlinkRest rest = new FlinkRest(running.cluster().dashboardUrl());
        String indexingJob = running.indexingJob().toHexString();
        String trainingJob = running.trainingJob().toHexString();
        for (String metric :
            List.of(
                "codebookScheduledTrainings",
                "codebookDriftTrainings",
                "codebookTrainingFailures",
                "lastCodebookTrainingMs")) {
          gauges.put(metric, metricOrNull(rest, indexingJob, metric));
        }
        for (String metric : List.of("lastRetrainMs", "impressionsTrained")) {
          gauges.put(metric, metricOrNull(rest, trainingJob, metric));
        }
      };
    }

    private Long metricOrNull(FlinkRest rest, String job, String metric) {
      try {
        return rest.jobMetricSum(job, metric);
      } catch (Exception e) {
        out.println("STALLS could not read " + metric + ": " + e);
        return null;
      }
    }

    private void collect(LocalFlinkCluster cluster, JobID job, Map<Long, Long> into) {
      try {
        for (LocalFlinkCluster.Checkpoint c : cluster.recentCheckpoints(job)) {
          if (c.status().equals("COMPLETED")) {
            into.put(c.id(), c.durationMs());
          }
        }
      } catch (Exception e) {
        // A job that is restarting has no history to give; the next sample will.
      }
    }
  }
}
