package io.moc.bench;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
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
      BenchStack stack) {}

  /** The figures of both phases, and background over task thread for the main ones. */
  public record Report(
      int cores,
      long durationS,
      double itemsPerS,
      double impressionsPerS,
      long codebookEveryS,
      long retrainEveryS,
      Phase taskThread,
      Phase background,
      Ratios backgroundOverTaskThread) {}

  /**
   * One run of the stack.
   *
   * @param gauges the jobs' training counters and gauges at the end by metric name, null if unread
   */
  public record Phase(
      int exitCode,
      long codesLatencyMsP50,
      long codesLatencyMsP99,
      long codesLatencySamples,
      long itemsCoded,
      long examplesTrained,
      long codebookVersion,
      @JsonUnwrapped(prefix = "indexing_") Checkpoints indexing,
      @JsonUnwrapped(prefix = "training_") Checkpoints training,
      @JsonAnyGetter Map<String, Long> gauges) {}

  /**
   * Durations of a job's completed checkpoints.
   *
   * @param checkpointMsMax -1 where none completed
   */
  public record Checkpoints(
      int checkpoints, long checkpointMsP50, long checkpointMsP99, long checkpointMsMax) {}

  /** Background over task thread, to three decimals; null where the task thread had none. */
  public record Ratios(
      Double codesLatencyMsP50,
      Double codesLatencyMsP99,
      Double indexingCheckpointMsP50,
      Double indexingCheckpointMsP99,
      Double indexingCheckpointMsMax,
      Double trainingCheckpointMsP50,
      Double trainingCheckpointMsP99,
      Double trainingCheckpointMsMax,
      Double examplesTrained,
      Double itemsCoded) {

    static Ratios of(Phase after, Phase before) {
      return new Ratios(
          ratio(after.codesLatencyMsP50(), before.codesLatencyMsP50()),
          ratio(after.codesLatencyMsP99(), before.codesLatencyMsP99()),
          ratio(after.indexing().checkpointMsP50(), before.indexing().checkpointMsP50()),
          ratio(after.indexing().checkpointMsP99(), before.indexing().checkpointMsP99()),
          ratio(after.indexing().checkpointMsMax(), before.indexing().checkpointMsMax()),
          ratio(after.training().checkpointMsP50(), before.training().checkpointMsP50()),
          ratio(after.training().checkpointMsP99(), before.training().checkpointMsP99()),
          ratio(after.training().checkpointMsMax(), before.training().checkpointMsMax()),
          ratio(after.examplesTrained(), before.examplesTrained()),
          ratio(after.itemsCoded(), before.itemsCoded()));
    }

    private static Double ratio(long after, long before) {
      return before <= 0 ? null : Math.round((double) after / before * 1000) / 1000.0;
    }
  }

  private final Options options;
  private final PrintStream out;

  public StallsBenchmark(Options options, PrintStream out) {
    this.options = options;
    this.out = out;
  }

  public Report run() throws Exception {
    Phase before = phase("task-thread", false);
    Phase after = phase("background", true);
    Ratios ratios = Ratios.of(after, before);
    Report report =
        new Report(
            Runtime.getRuntime().availableProcessors(),
            options.duration().toSeconds(),
            options.itemsPerSecond(),
            options.impressionsPerSecond(),
            options.codebookEvery().toSeconds(),
            options.retrainEvery().toSeconds(),
            before,
            after,
            ratios);
    out.println("STALLS background / task thread: " + ratios);
    if (options.report() != null) {
      out.println("Report written to " + JsonReport.write(options.report(), report));
    }
    return report;
  }

  /** One run of the stack, trainings where {@code background} says. */
  private Phase phase(String name, boolean background) throws Exception {
    Configuration config = new Configuration(options.stack().jobConfig());
    // Every version of the method itself, and often: what is measured is the method's training.
    config.set(IndexingOptions.BOOTSTRAP_METHOD, "");
    config.set(IndexingOptions.RETRAIN_INTERVAL, options.codebookEvery());
    config.set(IndexingOptions.RETRAIN_MIN_NEW_ITEMS, 100);
    config.set(TrainingOptions.RETRAIN_INTERVAL, options.retrainEvery());
    if (!background) {
      config.set(IndexingOptions.TRAIN_IN_BACKGROUND, false);
      config.set(TrainingOptions.RETRAIN_CHUNK_TIME, Duration.ZERO);
    }
    Path workDir = options.stack().workDir().resolve(name).toAbsolutePath();
    Path feedReport = workDir.resolve("feed-report.json");
    LocalStack.Options local =
        options
            .stack()
            .in(workDir)
            .with(config)
            .options(
                Feed.Options.synthetic(
                    options.itemsPerSecond(),
                    options.impressionsPerSecond(),
                    7,
                    options.duration(),
                    feedReport),
                BrokerWatchdog.OnLoss.FAIL);
    out.printf(
        "STALLS %s: %s for %ds%n",
        name,
        background ? "codebooks on a worker thread, CTR passes in steps" : "all on the task thread",
        options.duration().toSeconds());
    Sampler sampler = new Sampler();
    int rc = new LocalStack(local, out, sampler::start).run();
    JsonNode feed = new ObjectMapper().readTree(feedReport.toFile());
    Phase result =
        new Phase(
            rc,
            feed.path("codes_latency_ms_p50").asLong(),
            feed.path("codes_latency_ms_p99").asLong(),
            feed.path("codes_latency_samples").asLong(),
            feed.path("items_coded_keys").asLong(),
            feed.path("examples_trained").asLong(),
            feed.path("codebook_version").asLong(),
            summarise(sampler.indexing),
            summarise(sampler.training),
            sampler.gauges);
    out.println("STALLS " + name + ": " + result);
    return result;
  }

  private static Checkpoints summarise(Map<Long, Long> byId) {
    long[] durations = byId.values().stream().mapToLong(Long::longValue).sorted().toArray();
    return new Checkpoints(
        durations.length,
        CodesMonitor.percentile(durations, 0.50),
        CodesMonitor.percentile(durations, 0.99),
        durations.length == 0 ? -1 : durations[durations.length - 1]);
  }

  /**
   * Collects every completed checkpoint of both jobs (the dashboard keeps only the recent ones, so
   * it is asked every few seconds) and, at the end, the jobs' training counters and gauges.
   */
  private final class Sampler {
    final Map<Long, Long> indexing = new ConcurrentHashMap<>();
    final Map<Long, Long> training = new ConcurrentHashMap<>();
    final Map<String, Long> gauges = new LinkedHashMap<>();

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
