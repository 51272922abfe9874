package io.moc.common;

import java.util.EnumMap;
import java.util.Map;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.util.OutputTag;

/** The one side output every function sends dead letters to, and their per-reason counters. */
public final class DeadLetters {

  public static final OutputTag<DeadLetterRecord> TAG =
      new OutputTag<>(
          "dead-letters",
          org.apache.flink.api.common.typeinfo.TypeInformation.of(DeadLetterRecord.class));

  private final MetricGroup group;
  private final Map<DeadLetterReason, Counter> counters = new EnumMap<>(DeadLetterReason.class);

  /** Registers counters lazily under {@code <operator>.deadLetters.<REASON>}. */
  public DeadLetters(MetricGroup operatorGroup) {
    this.group = operatorGroup.addGroup("deadLetters");
  }

  /** Counts a dead letter and builds the record to emit on {@link #TAG}. */
  public DeadLetterRecord reject(RawRecord raw, DeadLetterReason reason, String error) {
    counters.computeIfAbsent(reason, r -> group.counter(r.name())).inc();
    return DeadLetterRecord.of(raw, reason, error);
  }
}
