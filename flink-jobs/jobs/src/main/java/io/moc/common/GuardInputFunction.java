package io.moc.common;

import io.moc.kafka.KafkaConnection;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.runtime.execution.CancelTaskException;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.ExceptionUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first operator after every Kafka source: refuses records over the input's size limit, and is
 * the last resort against a record that kills the job whatever the validation catches. It heads the
 * chain of its input's decoding and validation, so a failure there surfaces in its {@code collect};
 * the record's coordinates go to the {@link PoisonPillJournal} before the failure propagates, and
 * once a record has failed the job {@code moc.input.poison-pill.failures} times in a row it is
 * dead-lettered as POISON_PILL instead of being forwarded again.
 *
 * <p>Failures of operators behind a network shuffle (embedding, assignment, the join) cannot be
 * tied to one input record here; those operators dead-letter their own per-record failures.
 */
public class GuardInputFunction extends ProcessFunction<RawRecord, RawRecord>
    implements CheckpointedFunction, CheckpointListener {

  private static final Logger LOG = LoggerFactory.getLogger(GuardInputFunction.class);

  private final InputSettings.Input input;
  private final KafkaConnection availabilityOf;

  private transient PoisonPillJournal journal;
  private transient DeadLetters deadLetters;
  private transient Counter recordsIn;
  private transient KafkaAvailability availability;
  // Skipped records are forgotten once a checkpoint holds their dead letters: if the job failed
  // before that, the replay must skip them again.
  private transient List<Skipped> pending;
  private transient TreeMap<Long, List<Skipped>> skippedUpTo;

  private record Skipped(String topic, int partition, long offset) {}

  /**
   * @param availabilityOf when not null, subtask 0 reports whether this Kafka cluster is reachable
   *     ({@code kafkaAvailable}, {@code kafkaUnavailableMs}): one guard per job does
   */
  public GuardInputFunction(InputSettings.Input input, KafkaConnection availabilityOf) {
    this.input = input;
    this.availabilityOf = availabilityOf;
  }

  @Override
  public void open(OpenContext openContext) throws IOException {
    journal = PoisonPillJournal.open(input.settings().poisonPillJournal());
    if (!journal.durable()) {
      LOG.warn(
          "No poison-pill journal ({} and the checkpoint directory unset): a record that fails"
              + " the job will be retried forever",
          InputOptions.POISON_PILL_JOURNAL.key());
    }
    deadLetters = new DeadLetters(getRuntimeContext().getMetricGroup());
    recordsIn = getRuntimeContext().getMetricGroup().counter("recordsGuarded");
    skippedUpTo = new TreeMap<>();
    pending = new ArrayList<>();
    if (availabilityOf != null && getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() == 0) {
      availability = KafkaAvailability.start(availabilityOf);
      getRuntimeContext()
          .getMetricGroup()
          .gauge("kafkaAvailable", (Gauge<Integer>) availability::available);
      getRuntimeContext()
          .getMetricGroup()
          .gauge("kafkaUnavailableMs", (Gauge<Long>) availability::unavailableMillis);
    }
  }

  @Override
  public void processElement(RawRecord raw, Context ctx, Collector<RawRecord> out)
      throws Exception {
    recordsIn.inc();
    long size = length(raw.key) + length(raw.value);
    if (size > input.maxBytes()) {
      ctx.output(
          DeadLetters.TAG,
          deadLetters.reject(
              raw,
              DeadLetterReason.RECORD_TOO_LARGE,
              "key plus value is "
                  + size
                  + " bytes, over the "
                  + input.name()
                  + " limit of "
                  + input.maxBytes()
                  + " ("
                  + input.maxBytesOption()
                  + ")"));
      return;
    }
    PoisonPillJournal.Failures failed = journal.failures(raw.topic, raw.partition, raw.offset);
    if (failed != null && failed.count() >= input.settings().poisonPillFailures()) {
      LOG.warn(
          "Skipping {}-{}@{}: it failed the job {} times in a row",
          raw.topic,
          raw.partition,
          raw.offset,
          failed.count());
      ctx.output(
          DeadLetters.TAG,
          deadLetters.reject(
              raw,
              DeadLetterReason.POISON_PILL,
              "failed the job "
                  + failed.count()
                  + " times in a row; last failure: "
                  + failed.lastError()));
      pending.add(new Skipped(raw.topic, raw.partition, raw.offset));
      return;
    }
    try {
      out.collect(raw);
    } catch (Throwable t) {
      if (causedByCancellation(t)) {
        throw t;
      }
      try {
        PoisonPillJournal.Failures now =
            journal.recordFailure(raw.topic, raw.partition, raw.offset, t);
        LOG.error(
            "{}-{}@{} failed the job ({} of {} before it is skipped)",
            raw.topic,
            raw.partition,
            raw.offset,
            now.count(),
            input.settings().poisonPillFailures(),
            t);
      } catch (Throwable journalFailure) {
        t.addSuppressed(journalFailure);
      }
      throw t;
    }
    if (failed != null) {
      // It passed this time: the earlier failures were not its fault, or not in a row.
      journal.forget(raw.topic, raw.partition, raw.offset);
    }
  }

  /** A task being cancelled (another task failed, or the job stops) fails whatever it was doing. */
  private static boolean causedByCancellation(Throwable t) {
    return Thread.currentThread().isInterrupted()
        || ExceptionUtils.findThrowable(t, CancelTaskException.class).isPresent()
        || ExceptionUtils.findThrowable(t, InterruptedException.class).isPresent();
  }

  private static long length(byte[] bytes) {
    return bytes == null ? 0 : bytes.length;
  }

  @Override
  public void snapshotState(FunctionSnapshotContext context) {
    if (!pending.isEmpty()) {
      skippedUpTo.put(context.getCheckpointId(), pending);
      pending = new ArrayList<>();
    }
  }

  @Override
  public void initializeState(FunctionInitializationContext context) {}

  @Override
  public void notifyCheckpointComplete(long checkpointId) throws IOException {
    Map<Long, List<Skipped>> done = skippedUpTo.headMap(checkpointId, true);
    for (List<Skipped> skipped : done.values()) {
      for (Skipped s : skipped) {
        journal.forget(s.topic(), s.partition(), s.offset());
      }
    }
    done.clear();
  }

  @Override
  public void close() throws Exception {
    if (availability != null) {
      availability.close();
    }
  }
}
