package io.moc.local;

import io.moc.audit.Audit;
import io.moc.common.KafkaOptions;
import io.moc.ctr.eval.OfflineComparison;
import io.moc.indexing.IndexingSettings;
import io.moc.kafka.KafkaConnection;
import io.moc.report.JsonReport;
import io.moc.serving.ArtifactOpener;
import io.moc.source.CatalogSource;
import io.moc.source.DatasetReplay;
import io.moc.source.KafkaFeeder;
import io.moc.source.Pacing;
import io.moc.source.SyntheticCatalog;
import io.moc.training.TrainingOptions;
import io.moc.training.TrainingSettings;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.flink.configuration.Configuration;

/**
 * The feed of a running stack, wherever its jobs run (the MiniCluster of {@code bin/moc local} or
 * the processes of {@code bin/moc cluster}): the synthetic catalog or a dataset replay published to
 * Kafka, the progress line read back from the output topics, and the JSON report.
 */
public final class Feed {

  /** With --drain, the feed stops once item-codes and ctr-models have been quiet this long. */
  static final Duration DRAIN_QUIET = Duration.ofSeconds(20);

  /** At the end of a run, how long the audit waits for records still in flight. */
  static final Duration AUDIT_WAIT = Duration.ofSeconds(30);

  /**
   * What to publish and report (the feed options of {@code bin/moc local}); a plain record, so that
   * {@code bin/moc cluster} keeps it in its cluster.json for the supervisor.
   *
   * @param data a dataset directory to replay; null: the synthetic catalog
   * @param durationMillis how long to publish; -1: until the replay ends or the stack is stopped
   * @param report where to write the JSON report; null: none
   * @param drain when the feed ends, wait until item-codes and ctr-models are quiet
   * @param compareOffline afterwards, compare the streaming trainer with offline training
   */
  public record Options(
      Path data,
      double speedup,
      double maxGapMs,
      double itemsPerSecond,
      double impressionsPerSecond,
      int users,
      long seed,
      long durationMillis,
      Path report,
      boolean drain,
      boolean compareOffline) {

    /** The publishing limit; null: none. */
    public Duration duration() {
      return durationMillis < 0 ? null : Duration.ofMillis(durationMillis);
    }

    /**
     * The built-in synthetic catalog and click stream at fixed rates for {@code duration}, 1000
     * users, not drained: what the benchmarks feed.
     *
     * @param report the feed's report; null: none
     */
    public static Options synthetic(
        double itemsPerSecond,
        double impressionsPerSecond,
        long seed,
        Duration duration,
        Path report) {
      return new Options(
          null,
          0,
          0,
          itemsPerSecond,
          impressionsPerSecond,
          1000,
          seed,
          duration.toMillis(),
          report,
          false,
          false);
    }
  }

  /** What the feed cannot see from Kafka itself: the health of the broker it runs against. */
  public interface Health {
    /** A broker that is not watched: never restarted, never reported down. */
    Health NONE =
        new Health() {
          @Override
          public int brokerRestarts() {
            return 0;
          }

          @Override
          public boolean brokerDown() {
            return false;
          }

          @Override
          public String error() {
            return null;
          }
        };

    int brokerRestarts();

    boolean brokerDown();

    /** Why the run failed; null while it has not. */
    String error();
  }

  private final Options options;
  private final PrintStream console;

  public Feed(Options options, PrintStream console) {
    this.options = options;
    this.console = console;
  }

  private CatalogSource source() throws Exception {
    if (options.data() != null) {
      return new DatasetReplay(options.data(), options.seed());
    }
    return SyntheticCatalog.builder()
        .seed(options.seed())
        .startTime(Instant.now())
        .itemsPerSecond(options.itemsPerSecond())
        .impressionsPerSecond(options.impressionsPerSecond())
        .users(options.users())
        .build();
  }

  /**
   * Publishes the feed until it ends, {@code --duration} passes or {@code stop} is set, printing
   * progress every 2 s; then the comparison and the report, if asked for.
   *
   * @return why the run failed (the broker lost for good, records Kafka refused); null: it did not
   */
  public String run(
      KafkaConnection bootstrap,
      Configuration jobConfig,
      IndexingSettings settings,
      Health health,
      AtomicBoolean stop)
      throws Exception {
    Pacing pacing =
        options.data() != null
            ? Pacing.eventTime(options.speedup(), options.maxGapMs())
            : Pacing.itemsPerSecond(options.itemsPerSecond());
    CatalogSource source = source();
    console.println("Publishing " + source.describe());
    try (KafkaFeeder feeder =
            new KafkaFeeder(
                bootstrap,
                source,
                pacing,
                settings.itemsTopic(),
                jobConfig.get(KafkaOptions.IMPRESSIONS_TOPIC));
        CodesMonitor monitor = CodesMonitor.start(bootstrap, settings, feeder.appendTimes());
        ModelsMonitor models =
            ModelsMonitor.start(bootstrap, jobConfig.get(KafkaOptions.CTR_MODELS_TOPIC))) {
      long start = System.nanoTime();
      Duration limit = options.duration() == null ? Duration.ofDays(3650) : options.duration();
      AtomicReference<String> feedError = new AtomicReference<>();
      Thread feedThread =
          new Thread(
              () -> {
                try {
                  feeder.run(limit, stop::get);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                } catch (RuntimeException e) {
                  // Records Kafka refused for good (not a broker away: the feeder waits for that).
                  feedError.set("the feed stopped: " + e.getMessage());
                  console.println("ERROR: " + feedError.get());
                }
              },
              "moc-feeder");
      feedThread.start();
      long lastCoded = 0;
      long lastPrint = start;
      long lastDeadLetters = 0;
      boolean finishedNoticed = false;
      long lastActivity = start;
      long lastExamples = 0;
      while (!stop.get()) {
        feedThread.join(2000);
        long now = System.nanoTime();
        CodesMonitor.Snapshot s = monitor.snapshot();
        double rate = (s.codesRecords() - lastCoded) / ((now - lastPrint) / 1e9);
        // Once the feed is over, print only while output still arrives.
        if (feedThread.isAlive()
            || s.codesRecords() != lastCoded
            || s.deadLetters() != lastDeadLetters) {
          console.println(
              progressLine(
                      Duration.ofNanos(now - start),
                      feeder.itemsPublished(),
                      feeder.impressionsPublished(),
                      s,
                      models.snapshot(),
                      rate)
                  + (health.brokerDown() ? " | KAFKA BROKER DOWN" : ""));
        }
        long examples = models.snapshot().examplesTrained();
        if (s.codesRecords() != lastCoded || examples != lastExamples) {
          lastActivity = now;
        }
        lastCoded = s.codesRecords();
        lastDeadLetters = s.deadLetters();
        lastExamples = examples;
        lastPrint = now;
        if (!feedThread.isAlive()) {
          if (options.drain()) {
            // The jobs lag the feed (embedding, joins waiting for codes): let them finish.
            if (now - lastActivity < DRAIN_QUIET.toNanos()) {
              continue;
            }
            break;
          }
          if (options.duration() != null) {
            break;
          }
          if (!finishedNoticed && !stop.get()) {
            finishedNoticed = true;
            console.println(
                "The replay is over; the stack keeps running for the dashboard. Ctrl-C stops it.");
          }
        }
      }
      boolean interrupted = stop.getAndSet(true);
      feedThread.join(10_000);
      // On Ctrl-C, stop promptly; otherwise let the tail of the output arrive for the report.
      CodesMonitor.Snapshot last = interrupted ? monitor.snapshot() : drain(monitor);
      ModelsMonitor.Snapshot model = models.snapshot();
      console.println(
          progressLine(
              Duration.ofNanos(System.nanoTime() - start),
              feeder.itemsPublished(),
              feeder.impressionsPublished(),
              last,
              model,
              0));
      OfflineComparison.Report comparison = null;
      if (options.compareOffline() && !interrupted) {
        TrainingSettings training = TrainingOptions.read(jobConfig);
        comparison =
            new OfflineComparison(
                    options.data(),
                    options.seed(),
                    bootstrap,
                    training.ctrModelsTopic(),
                    training.itemCodesTopic(),
                    training.model(),
                    ArtifactOpener.local(),
                    console)
                .run();
      }
      if (options.report() != null) {
        // The same counting as bin/moc audit, per input record; not after Ctrl-C (no time).
        Audit.Result audit =
            interrupted
                ? null
                : new Audit(bootstrap, Audit.Topics.of(jobConfig))
                    .runUntilAccounted(AUDIT_WAIT.toMillis());
        if (audit != null && !audit.accountsForEverything()) {
          console.println(
              "The audit could not account for every record within "
                  + AUDIT_WAIT.toSeconds()
                  + " s (bin/moc audit shows which):");
          console.print(audit.table());
        }
        writeReport(
            feeder,
            last,
            model,
            comparison,
            audit,
            error(health, feedError),
            health.brokerRestarts(),
            Duration.ofNanos(System.nanoTime() - start),
            source instanceof SyntheticCatalog catalog ? catalog.oracleAuc() : null);
        console.println("Report written to " + options.report());
      }
      return error(health, feedError);
    }
  }

  private static String versions(java.util.Set<Long> versions) {
    return String.join(", ", versions.stream().map(v -> "v" + v).toList());
  }

  private static String error(Health health, AtomicReference<String> feedError) {
    return health.error() != null ? health.error() : feedError.get();
  }

  /**
   * Waits until item-codes has been quiet for 3 s (at most 30 s), so the report counts the tail.
   */
  private static CodesMonitor.Snapshot drain(CodesMonitor monitor) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    CodesMonitor.Snapshot previous = monitor.snapshot();
    long quietSince = System.nanoTime();
    while (System.nanoTime() < deadline) {
      Thread.sleep(500);
      CodesMonitor.Snapshot now = monitor.snapshot();
      if (now.codesRecords() != previous.codesRecords()
          || now.deadLetters() != previous.deadLetters()) {
        quietSince = System.nanoTime();
        previous = now;
      } else if (System.nanoTime() - quietSince > TimeUnit.SECONDS.toNanos(3)) {
        break;
      }
    }
    return monitor.snapshot();
  }

  /** One line of the console: what was published, coded and trained so far. */
  static String progressLine(
      Duration elapsed,
      long itemsPublished,
      long impressionsPublished,
      CodesMonitor.Snapshot s,
      ModelsMonitor.Snapshot m,
      double codesPerSecond) {
    return String.format(
        "[%5ds] published %d items, %d impressions | coded %d items (%.1f codes/s) | dead letters %d"
            + " | codebook %s | latency p50 %s p99 %s | model %s",
        elapsed.toSeconds(),
        itemsPublished,
        impressionsPublished,
        s.itemsCoded(),
        codesPerSecond,
        s.deadLetters(),
        (s.codebookVersion() < 0 ? "none yet" : "v" + s.codebookVersion())
            + (s.rejectedCodebookVersions().isEmpty()
                ? ""
                : " (rejected " + versions(s.rejectedCodebookVersions()) + ")"),
        s.latencyP50() < 0 ? "-" : s.latencyP50() + " ms",
        s.latencyP99() < 0 ? "-" : s.latencyP99() + " ms",
        modelLine(m));
  }

  private static String modelLine(ModelsMonitor.Snapshot m) {
    if (m.modelVersion() < 0) {
      return "none yet";
    }
    String line =
        String.format(
            "v%d (%d examples, AUC %.3f, cold-start AUC %.3f",
            m.modelVersion(), m.examplesTrained(), m.prequentialAuc(), m.coldStartAuc());
    if (Double.isNaN(m.controlColdStartAuc())) {
      return line + ")";
    }
    return line
        + String.format(
            "; ids-only AUC %.3f, cold-start %.3f: lift %+.3f)",
            m.controlPrequentialAuc(), m.controlColdStartAuc(), m.coldStartAucLift());
  }

  private void writeReport(
      KafkaFeeder feeder,
      CodesMonitor.Snapshot s,
      ModelsMonitor.Snapshot m,
      OfflineComparison.Report comparison,
      Audit.Result audit,
      String error,
      int brokerRestarts,
      Duration elapsed,
      Double oracleAuc)
      throws Exception {
    double seconds = elapsed.toMillis() / 1000.0;
    RunReport report =
        new RunReport(
            error,
            brokerRestarts,
            options.data() == null ? "synthetic" : options.data().toString(),
            seconds,
            feeder.itemsPublished(),
            feeder.appendTimes().size(),
            feeder.impressionsPublished(),
            s.itemsCoded(),
            s.codesRecords(),
            s.deadLetters(),
            s.deadLettersByReason(),
            s.codebookVersion(),
            s.rejectedCodebookVersions(),
            feeder.resentRecords(),
            feeder.unsent(),
            s.latencyP50(),
            s.latencyP99(),
            s.latencySamples(),
            s.codesRecords() / Math.max(1e-9, seconds),
            m.modelVersion(),
            m.snapshotsPublished(),
            m.codebookVersion(),
            m.examplesTrained(),
            finiteOrNull(m.prequentialAuc()),
            finiteOrNull(m.coldStartAuc()),
            finiteOrNull(m.controlPrequentialAuc()),
            finiteOrNull(m.controlColdStartAuc()),
            finiteOrNull(m.coldStartAucLift()),
            oracleAuc == null ? null : finiteOrNull(oracleAuc),
            audit == null ? null : audit.toJson(),
            comparison);
    JsonReport.write(options.report(), report);
  }

  private static Double finiteOrNull(double value) {
    return Double.isFinite(value) ? value : null;
  }
}
