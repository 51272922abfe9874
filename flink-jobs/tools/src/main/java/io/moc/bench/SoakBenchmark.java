package io.moc.bench;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.moc.avro.AvroBytes;
import io.moc.avro.ImpressionEvent;
import io.moc.avro.ItemEvent;
import io.moc.cluster.FlinkRest;
import io.moc.common.KafkaOptions;
import io.moc.local.BrokerWatchdog;
import io.moc.local.Feed;
import io.moc.local.LocalFlinkCluster;
import io.moc.local.LocalStack;
import io.moc.report.JsonReport;
import io.moc.source.KafkaFeeder;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * {@code bin/moc bench soak}: {@code bin/moc local} for a long run with trouble in it. A probe
 * first measures both jobs' sustained peak on a stack of its own; then both jobs take the synthetic
 * feed at half that rate (or at the rates given) while bad records are mixed in (1% of the feed by
 * default, every kind validation knows, the allocation bomb included), the broker JVM is killed
 * ({@code kill -9}) a third of the way in and the TaskManager two thirds in. Every 15 s it samples
 * the heap (used, the old generation after its last collection, and every 2 minutes the heap after
 * a full collection: what a leak grows), the newest completed checkpoint of each job and their
 * restarts; at the end the run's audit. The report says whether heap and checkpoint duration stayed
 * flat: medians of the last third against the first.
 */
public final class SoakBenchmark {

  private static final Duration SAMPLE_EVERY = Duration.ofSeconds(15);
  private static final int FULL_GC_EVERY_SAMPLES = 8;
  private static final Duration PROBE_SAMPLE_EVERY = Duration.ofSeconds(5);

  /**
   * What the soak runs.
   *
   * @param itemsPerSecond the soak's item rate; NaN: half the peak the probe measures
   * @param impressionsPerSecond the soak's impression rate; NaN: half the probe's peak
   * @param probe how long the probe offers {@code probeItemsPerSecond} and five times as many
   *     impressions before the soak, on a stack of its own; zero: no probe (both rates given)
   */
  public record Options(
      Duration duration,
      double itemsPerSecond,
      double impressionsPerSecond,
      Duration probe,
      double probeItemsPerSecond,
      double badFraction,
      Path report,
      BenchStack stack) {}

  /**
   * The figures: the rates, the faults, how heap and checkpoints trended, and the feed's report.
   *
   * @param peakProbe null where both rates were given
   * @param indexingRestarts as of the last sample; null where it could not be read
   */
  public record Report(
      int exitCode,
      long durationS,
      double itemsPerS,
      double impressionsPerS,
      Probe peakProbe,
      double badFraction,
      long badRecordsSent,
      long badRecordsRefusedByBroker,
      List<String> faults,
      Trend heapUsedMb,
      Trend oldGenAfterGcMb,
      Trend heapAfterFullGcMb,
      Trend indexingCheckpointMs,
      Trend trainingCheckpointMs,
      Trend indexingCheckpointKb,
      Trend trainingCheckpointKb,
      Long indexingRestarts,
      Long trainingRestarts,
      JsonNode feed,
      List<Sample> samples) {}

  /** The jobs' sustained rates over the second half of the probe, and what it offered. */
  public record Probe(
      int exitCode,
      long durationS,
      double offeredItemsPerS,
      double offeredImpressionsPerS,
      double windowS,
      double itemsCodedPerS,
      double impressionsTrainedPerS,
      boolean itemsSaturated,
      boolean impressionsSaturated,
      long itemsCoded,
      long impressionsTrained) {}

  /** How one figure moved over the run; only the count where fewer than three samples have it. */
  public record Trend(@JsonUnwrapped Thirds thirds, int samples) {}

  /**
   * Medians of the first and last third of the samples.
   *
   * @param ratio last over first; null where the first is zero
   */
  public record Thirds(double firstThirdMedian, double lastThirdMedian, Double ratio, double max) {}

  /**
   * One sample of the run.
   *
   * @param heapAfterFullGcMb only in the samples that ran a full collection
   * @param restartsError where reading the restarts failed (those not read are left out)
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Sample(
      long tS,
      double heapUsedMb,
      double oldGenAfterGcMb,
      Double heapAfterFullGcMb,
      @JsonUnwrapped(prefix = "indexing_") JobCheckpoint indexing,
      @JsonUnwrapped(prefix = "training_") JobCheckpoint training,
      Long indexingRestarts,
      Long trainingRestarts,
      String restartsError) {}

  /** A job's newest completed checkpoint, the error in its place, or neither where none was. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record JobCheckpoint(Long checkpointMs, Double checkpointKb, String checkpointError) {
    static final JobCheckpoint NONE = new JobCheckpoint(null, null, null);
  }

  private final Options options;
  private final PrintStream out;
  private final List<Sample> samples = new CopyOnWriteArrayList<>();
  private final List<String> events = new CopyOnWriteArrayList<>();
  private final AtomicLong badSent = new AtomicLong();
  private final AtomicLong badRefused = new AtomicLong();
  private volatile long start;
  private double itemsPerSecond;
  private double impressionsPerSecond;

  public SoakBenchmark(Options options, PrintStream out) {
    this.options = options;
    this.out = out;
  }

  public int run() throws Exception {
    itemsPerSecond = options.itemsPerSecond();
    impressionsPerSecond = options.impressionsPerSecond();
    Probe probe = null;
    if (Double.isNaN(itemsPerSecond) || Double.isNaN(impressionsPerSecond)) {
      if (options.probe().isZero()) {
        throw new IllegalArgumentException("without a probe, give both rates");
      }
      probe = new PeakProbe().run();
      if (Double.isNaN(itemsPerSecond)) {
        itemsPerSecond = Math.max(1, probe.itemsCodedPerS() / 2);
      }
      if (Double.isNaN(impressionsPerSecond)) {
        impressionsPerSecond = Math.max(1, probe.impressionsTrainedPerS() / 2);
      }
      out.printf(
          "SOAK at half the measured peak: %.1f items/s, %.1f impressions/s%n",
          itemsPerSecond, impressionsPerSecond);
    }
    Path feedReport = options.stack().workDir().resolve("soak-feed-report.json").toAbsolutePath();
    LocalStack.Options local =
        options
            .stack()
            .options(
                Feed.Options.synthetic(
                    itemsPerSecond, impressionsPerSecond, 7, options.duration(), feedReport),
                BrokerWatchdog.OnLoss.RESTART);
    start = System.nanoTime();
    int rc = new LocalStack(local, out, this::alongside).run();
    JsonNode feed = new ObjectMapper().readTree(feedReport.toFile());

    Sample last = samples.isEmpty() ? null : samples.get(samples.size() - 1);
    Report report =
        new Report(
            rc,
            options.duration().toSeconds(),
            itemsPerSecond,
            impressionsPerSecond,
            probe,
            options.badFraction(),
            badSent.get(),
            badRefused.get(),
            events,
            trend(Sample::heapUsedMb),
            trend(Sample::oldGenAfterGcMb),
            trend(Sample::heapAfterFullGcMb),
            trend(s -> s.indexing().checkpointMs()),
            trend(s -> s.training().checkpointMs()),
            trend(s -> s.indexing().checkpointKb()),
            trend(s -> s.training().checkpointKb()),
            last == null ? null : last.indexingRestarts(),
            last == null ? null : last.trainingRestarts(),
            feed,
            samples);
    Path written = JsonReport.write(options.report(), report);
    out.println("Soak report written to " + written);
    out.println(
        "heap after full GC "
            + describe(report.heapAfterFullGcMb(), "MB")
            + "; checkpoints indexing "
            + describe(report.indexingCheckpointMs(), "ms")
            + ", training "
            + describe(report.trainingCheckpointMs(), "ms")
            + "; restarts "
            + report.indexingRestarts()
            + "/"
            + report.trainingRestarts()
            + "; audit accounted for everything: "
            + feed.path("audit").path("accounted_for"));
    return rc;
  }

  /** Medians of the first and last third of the samples that have the figure, and their ratio. */
  private Trend trend(Function<Sample, ? extends Number> figure) {
    List<Double> values = new ArrayList<>();
    for (Sample s : samples) {
      Number n = figure.apply(s);
      // Negative: the figure could not be read for that sample.
      if (n != null && n.doubleValue() >= 0) {
        values.add(n.doubleValue());
      }
    }
    if (values.size() < 3) {
      return new Trend(null, values.size());
    }
    int third = values.size() / 3;
    double first = median(values.subList(0, third));
    double lastThird = median(values.subList(values.size() - third, values.size()));
    double max = values.stream().mapToDouble(Double::doubleValue).max().orElse(0);
    return new Trend(
        new Thirds(first, lastThird, first == 0 ? null : lastThird / first, max), values.size());
  }

  /** The first and last third's medians, for the console. */
  private static String describe(Trend t, String unit) {
    Thirds m = t.thirds();
    if (m == null) {
      return "- (" + t.samples() + " samples)";
    }
    return String.format(
        "%.1f -> %.1f %s (x%s, %d samples)",
        m.firstThirdMedian(),
        m.lastThirdMedian(),
        unit,
        m.ratio() == null ? "-" : String.format("%.2f", m.ratio()),
        t.samples());
  }

  private static double median(List<Double> values) {
    double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(v);
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  private AutoCloseable alongside(LocalStack.Running running) {
    ScheduledExecutorService threads = Executors.newScheduledThreadPool(3);
    long third = options.duration().toMillis() / 3;
    threads.schedule(
        () -> fault("kill -9 of the broker", () -> running.broker().kill()),
        third,
        TimeUnit.MILLISECONDS);
    threads.schedule(
        () -> fault("TaskManager replaced", () -> running.cluster().replaceTaskManager()),
        2 * third,
        TimeUnit.MILLISECONDS);
    threads.scheduleWithFixedDelay(
        () -> sample(running), 0, SAMPLE_EVERY.toMillis(), TimeUnit.MILLISECONDS);
    KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(
            KafkaFeeder.producerProperties(KafkaOptions.connection(running.jobConfig())));
    double perSecond = options.badFraction() * (itemsPerSecond + impressionsPerSecond);
    if (perSecond > 0) {
      long everyMicros = Math.max(1000, (long) (1e6 / perSecond));
      AtomicLong n = new AtomicLong();
      long end = System.nanoTime() + options.duration().toNanos();
      // Only while the feed publishes: the audit at its end must find a finite set of records.
      threads.scheduleAtFixedRate(
          () -> {
            if (System.nanoTime() < end) {
              sendBad(producer, running.jobConfig(), n.getAndIncrement());
            }
          },
          everyMicros,
          everyMicros,
          TimeUnit.MICROSECONDS);
    }
    return () -> {
      sample(running);
      threads.shutdownNow();
      threads.awaitTermination(30, TimeUnit.SECONDS);
      producer.close(Duration.ofSeconds(5));
    };
  }

  /**
   * Both jobs' sustained peak, measured on a stack of their own before the soak: the feed offers
   * more than they take (items at the probe rate, five impressions per item), and the rates are the
   * jobs' own counters ({@code itemsCoded}, {@code impressionsTrained}) over the second half of the
   * probe, once backlogs have built up. Both jobs run together, as in the soak, so the peak is what
   * they reach sharing the machine; an offered rate they kept up with makes it a lower bound.
   */
  private final class PeakProbe {
    private final List<long[]> counts = new CopyOnWriteArrayList<>();

    Probe run() throws Exception {
      double offeredItems = options.probeItemsPerSecond();
      double offeredImpressions = 5 * offeredItems;
      out.printf(
          "SOAK probe: %s offering %.0f items/s and %.0f impressions/s to find the peak%n",
          options.probe(), offeredItems, offeredImpressions);
      LocalStack.Options local =
          options
              .stack()
              .in(options.stack().workDir().resolve("probe"))
              .options(
                  Feed.Options.synthetic(
                      offeredItems, offeredImpressions, 11, options.probe(), null),
                  BrokerWatchdog.OnLoss.FAIL);
      int rc = new LocalStack(local, out, this::sampleCounters).run();
      if (counts.size() < 4) {
        throw new IllegalStateException("the probe took too few samples: " + counts.size());
      }
      long[] last = counts.get(counts.size() - 1);
      long[] middle = counts.get(0);
      for (long[] c : counts) {
        if (c[0] <= last[0] - options.probe().toNanos() / 2) {
          middle = c;
        }
      }
      double seconds = (last[0] - middle[0]) / 1e9;
      double items = (last[1] - middle[1]) / seconds;
      double impressions = (last[2] - middle[2]) / seconds;
      Probe probe =
          new Probe(
              rc,
              options.probe().toSeconds(),
              offeredItems,
              offeredImpressions,
              seconds,
              items,
              impressions,
              // Kept up with what was offered: the real peak lies higher.
              items < 0.9 * offeredItems,
              impressions < 0.9 * offeredImpressions,
              last[1],
              last[2]);
      out.printf(
          "SOAK probe: sustained peak %.1f items/s (saturated: %s), %.1f impressions/s"
              + " (saturated: %s) over the last %.0f s%n",
          items, probe.itemsSaturated(), impressions, probe.impressionsSaturated(), seconds);
      return probe;
    }

    private AutoCloseable sampleCounters(LocalStack.Running running) throws Exception {
      FlinkRest rest = new FlinkRest(running.cluster().dashboardUrl());
      String indexing = running.indexingJob().toHexString();
      String training = running.trainingJob().toHexString();
      ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor();
      thread.scheduleWithFixedDelay(
          () -> {
            try {
              long coded = rest.jobMetricSum(indexing, "itemsCoded");
              long trained = rest.jobMetricSum(training, "impressionsTrained");
              counts.add(new long[] {System.nanoTime(), coded, trained});
            } catch (Exception e) {
              out.println("SOAK probe: a sample failed: " + e);
            }
          },
          0,
          PROBE_SAMPLE_EVERY.toMillis(),
          TimeUnit.MILLISECONDS);
      return () -> {
        thread.shutdownNow();
        thread.awaitTermination(10, TimeUnit.SECONDS);
      };
    }
  }

  private interface Action {
    void run() throws Exception;
  }

  private void fault(String what, Action action) {
    String at = String.format("[%5ds] %s", elapsedSeconds(), what);
    try {
      action.run();
      events.add(at);
      out.println("SOAK " + at);
    } catch (Exception e) {
      events.add(at + " failed: " + e);
      out.println("SOAK " + at + " failed: " + e);
    }
  }

  private long elapsedSeconds() {
    return (System.nanoTime() - start) / 1_000_000_000L;
  }

  private void sample(LocalStack.Running running) {
    long t = elapsedSeconds();
    Runtime rt = Runtime.getRuntime();
    double heapUsed = (rt.totalMemory() - rt.freeMemory()) / 1e6;
    long oldGen = -1;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP
          && pool.getCollectionUsage() != null
          && (pool.getName().contains("Old") || pool.getName().contains("Tenured"))) {
        oldGen = pool.getCollectionUsage().getUsed();
      }
    }
    // G1 may not collect its old generation for the whole run, so the pool's figure above can
    // stand still while garbage and leaks alike pile up; a full collection every few samples
    // tells them apart, at the price of one pause each.
    Double afterFullGc = null;
    if (samples.size() % FULL_GC_EVERY_SAMPLES == 0) {
      System.gc();
      afterFullGc = (rt.totalMemory() - rt.freeMemory()) / 1e6;
    }
    JobCheckpoint indexing = checkpoint(running.cluster(), running.indexingJob());
    JobCheckpoint training = checkpoint(running.cluster(), running.trainingJob());
    Long indexingRestarts = null;
    Long trainingRestarts = null;
    String restartsError = null;
    try {
      FlinkRest rest = new FlinkRest(running.cluster().dashboardUrl());
      indexingRestarts = rest.restarts(running.indexingJob().toHexString());
      trainingRestarts = rest.restarts(running.trainingJob().toHexString());
    } catch (Exception e) {
      restartsError = e.toString();
    }
    samples.add(
        new Sample(
            t,
            heapUsed,
            oldGen < 0 ? -1 : oldGen / 1e6,
            afterFullGc,
            indexing,
            training,
            indexingRestarts,
            trainingRestarts,
            restartsError));
  }

  private static JobCheckpoint checkpoint(LocalFlinkCluster cluster, JobID job) {
    try {
      for (LocalFlinkCluster.Checkpoint c : cluster.recentCheckpoints(job)) {
        if (c.status().equals("COMPLETED")) {
          return new JobCheckpoint(c.durationMs(), c.stateSize() / 1e3, null);
        }
      }
      return JobCheckpoint.NONE;
    } catch (Exception e) {
      return new JobCheckpoint(null, null, e.toString());
    }
  }

  /** One bad record, the kinds in turn: items, then impressions. */
  private void sendBad(KafkaProducer<byte[], byte[]> producer, Configuration config, long n) {
    String items = config.get(KafkaOptions.ITEMS_TOPIC);
    String impressions = config.get(KafkaOptions.IMPRESSIONS_TOPIC);
    String id = "soak-bad-" + n;
    byte[] key = id.getBytes(StandardCharsets.UTF_8);
    ProducerRecord<byte[], byte[]> record =
        switch ((int) (n % 8)) {
          case 0 -> new ProducerRecord<>(items, key, new byte[] {0, 1, 2, 3});
          case 1 -> new ProducerRecord<>(items, key, allocationBomb());
          case 2 -> new ProducerRecord<>(items, null, AvroBytes.encode(item(id).build()));
          case 3 ->
              new ProducerRecord<>(items, key, AvroBytes.encode(item(id).setTitle(null).build()));
          case 4 ->
              new ProducerRecord<>(items, "other".getBytes(), AvroBytes.encode(item(id).build()));
          case 5 -> new ProducerRecord<>(impressions, key, new byte[] {9, 9});
          case 6 ->
              new ProducerRecord<>(
                  impressions,
                  key,
                  AvroBytes.encode(impression(id).setEventTime(Instant.ofEpochMilli(-1)).build()));
          default ->
              new ProducerRecord<>(impressions, key, AvroBytes.encode(impression("").build()));
        };
    producer.send(
        record,
        (metadata, error) -> {
          if (error == null) {
            badSent.incrementAndGet();
          } else {
            badRefused.incrementAndGet();
          }
        });
  }

  private static ItemEvent.Builder item(String id) {
    return ItemEvent.newBuilder().setItemId(id).setTitle("Soak " + id).setEventTime(Instant.now());
  }

  private static ImpressionEvent.Builder impression(String id) {
    return ImpressionEvent.newBuilder()
        .setImpressionId(id)
        .setUserId("soak-user")
        .setItemId("soak-item")
        .setEventTime(Instant.now())
        .setClicked(false);
  }

  private static byte[] allocationBomb() {
    byte[] header = Arrays.copyOf(AvroBytes.encode(item("x").build()), 10);
    // item_id "b", three absent optionals, then categories claiming 2·10⁹ strings.
    byte[] body = {2, 'b', 0, 0, 0, (byte) 0x80, (byte) 0xd0, (byte) 0xac, (byte) 0xf3, 0x0e};
    byte[] m = Arrays.copyOf(header, header.length + body.length);
    System.arraycopy(body, 0, m, header.length, body.length);
    return m;
  }
}
