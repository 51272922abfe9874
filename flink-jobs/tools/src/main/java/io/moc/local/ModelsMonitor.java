package io.moc.local;

import io.moc.avro.AvroBytes;
import io.moc.avro.ModelSnapshot;
import io.moc.kafka.KafkaConnection;
import io.moc.kafka.TopicTail;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;

/**
 * Watches the ctr-models topic as a model server would (committed snapshots only) and keeps the
 * newest model version with its metrics, for the progress line and the report of {@code bin/moc
 * local}.
 */
public final class ModelsMonitor implements Runnable, AutoCloseable {

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final String ctrModelsTopic;

  // Guarded by this.
  private Snapshot latest = Snapshot.NONE;
  private long snapshotsPublished;
  private volatile boolean closed;

  public ModelsMonitor(KafkaConnection kafka, String ctrModelsTopic) {
    this.consumer = new KafkaConsumer<>(kafka.bytesReaderProperties());
    this.ctrModelsTopic = ctrModelsTopic;
  }

  /** A monitor of {@code ctrModelsTopic}, already running on a daemon thread. */
  public static ModelsMonitor start(KafkaConnection kafka, String ctrModelsTopic) {
    ModelsMonitor monitor = new ModelsMonitor(kafka, ctrModelsTopic);
    Thread thread = new Thread(monitor, "moc-models-monitor");
    thread.setDaemon(true);
    thread.start();
    return monitor;
  }

  @Override
  public void run() {
    TopicTail.assignFromBeginning(consumer, List.of(ctrModelsTopic));
    try {
      while (!closed) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          if (r.value() == null) {
            continue;
          }
          try {
            onSnapshot(AvroBytes.decode(ModelSnapshot.class, r.value()));
          } catch (RuntimeException unreadable) {
            // A record the monitor cannot read must not freeze progress and the report.
          }
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

  private synchronized void onSnapshot(ModelSnapshot s) {
    snapshotsPublished++;
    if (s.getVersion() <= latest.modelVersion()) {
      return;
    }
    Map<String, Double> m = s.getMetrics();
    latest =
        new Snapshot(
            s.getVersion(),
            s.getCodebookVersion(),
            m.getOrDefault("examples_trained", (double) s.getExamplesSeen()).longValue(),
            m.getOrDefault("prequential_auc", Double.NaN),
            m.getOrDefault("cold_start_auc", Double.NaN),
            m.getOrDefault("control_prequential_auc", Double.NaN),
            m.getOrDefault("control_cold_start_auc", Double.NaN),
            snapshotsPublished);
  }

  /** The newest model version seen so far. */
  public synchronized Snapshot snapshot() {
    return new Snapshot(
        latest.modelVersion(),
        latest.codebookVersion(),
        latest.examplesTrained(),
        latest.prequentialAuc(),
        latest.coldStartAuc(),
        latest.controlPrequentialAuc(),
        latest.controlColdStartAuc(),
        snapshotsPublished);
  }

  /**
   * @param modelVersion the newest model version on ctr-models, -1 when none is yet
   * @param examplesTrained examples the newest model has trained on
   * @param controlPrequentialAuc the ids-only control's, NaN when the job trains none
   * @param controlColdStartAuc the ids-only control's, NaN when the job trains none
   * @param snapshotsPublished committed snapshot records read so far
   */
  public record Snapshot(
      long modelVersion,
      long codebookVersion,
      long examplesTrained,
      double prequentialAuc,
      double coldStartAuc,
      double controlPrequentialAuc,
      double controlColdStartAuc,
      long snapshotsPublished) {
    static final Snapshot NONE =
        new Snapshot(-1, -1, 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0);

    /** How much better the semantic model ranks young items than the control; NaN: no control. */
    public double coldStartAucLift() {
      return coldStartAuc - controlColdStartAuc;
    }
  }

  @Override
  public void close() {
    closed = true;
    consumer.wakeup();
  }
}
