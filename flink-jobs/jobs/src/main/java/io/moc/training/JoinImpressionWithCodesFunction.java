package io.moc.training;

import io.moc.common.DeadLetterReason;
import io.moc.common.DeadLetters;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Joins impressions with the codes their item has when they arrive; both inputs keyed by item id.
 *
 * <p>Keyed state holds the item's latest codes. Codes of the same (the item changed) or a newer
 * codebook version replace the held ones (the trainer handles version changes); codes of an older
 * version than held are a late re-coding and are ignored; a tombstone clears the codes. The item's
 * first-seen time is the earliest item event time of any codes seen, kept across re-codings.
 *
 * <p>An impression that arrives before its item's codes waits, in arrival order, in a list of at
 * most {@code maxPendingPerItem}; one more is dead-lettered at once ({@link
 * DeadLetterReason#PENDING_LIMIT_EXCEEDED}). When codes arrive the waiting impressions are joined
 * in order; one that has waited {@code joinTimeoutMillis} is dead-lettered ({@link
 * DeadLetterReason#IMPRESSION_WITHOUT_CODES}). Every impression thus leaves either as an example or
 * as a dead letter.
 *
 * <p>The wait is in processing time: it bounds a race between two topics (an item's codes trail its
 * first impressions by the indexing latency), which is about arrival, not about when the item was
 * shown. Event-time timers would also need watermarks on the compacted item-codes topic, whose
 * re-coding passes republish old item event times and whose partitions idle for hours.
 *
 * <p>One processing-time timer per item at most, at the earliest expiry of its waiting impressions;
 * {@link #TIMER} is set exactly while impressions wait, so that whether any wait, and which timer
 * to delete, is known without reading the list.
 */
public class JoinImpressionWithCodesFunction
    extends KeyedCoProcessFunction<String, Impression, ItemCodesUpdate, TrainingExample> {

  static final ValueStateDescriptor<HeldCodes> CODES =
      new ValueStateDescriptor<>("codes", TypeInformation.of(HeldCodes.class));

  static final ListStateDescriptor<PendingImpression> PENDING =
      new ListStateDescriptor<>("pending-impressions", TypeInformation.of(PendingImpression.class));

  /** The length of {@link #PENDING}, so that the bound is checked without reading the list. */
  static final ValueStateDescriptor<Integer> PENDING_COUNT =
      new ValueStateDescriptor<>("pending-count", Types.INT);

  /** The registered timer's time. */
  static final ValueStateDescriptor<Long> TIMER =
      new ValueStateDescriptor<>("pending-timer", Types.LONG);

  private final int maxPendingPerItem;
  private final long joinTimeoutMillis;

  private transient ValueState<HeldCodes> codes;
  private transient ListState<PendingImpression> pending;
  private transient ValueState<Integer> pendingCount;
  private transient ValueState<Long> timer;
  private transient Counter joined;
  private transient Counter joinedAfterWaiting;
  private transient Counter staleCodesIgnored;
  private transient DeadLetters deadLetters;

  /**
   * @param maxPendingPerItem most impressions that wait for one item's codes (0: none waits)
   * @param joinTimeoutMillis longest an impression waits for its item's codes
   */
  public JoinImpressionWithCodesFunction(int maxPendingPerItem, long joinTimeoutMillis) {
    if (maxPendingPerItem < 0 || joinTimeoutMillis < 1) {
      throw new IllegalArgumentException(
          "max-pending-per-item must be >= 0 and join-timeout >= 1 ms, got "
              + maxPendingPerItem
              + " and "
              + joinTimeoutMillis
              + " ms");
    }
    this.maxPendingPerItem = maxPendingPerItem;
    this.joinTimeoutMillis = joinTimeoutMillis;
  }

  @Override
  public void open(OpenContext openContext) {
    codes = getRuntimeContext().getState(CODES);
    pending = getRuntimeContext().getListState(PENDING);
    pendingCount = getRuntimeContext().getState(PENDING_COUNT);
    timer = getRuntimeContext().getState(TIMER);
    var metrics = getRuntimeContext().getMetricGroup();
    joined = metrics.counter("examplesJoined");
    metrics.meter("examplesJoinedPerSecond", new MeterView(joined));
    joinedAfterWaiting = metrics.counter("examplesJoinedAfterWaiting");
    staleCodesIgnored = metrics.counter("staleCodesIgnored");
    deadLetters = new DeadLetters(metrics);
  }

  @Override
  public void processElement1(Impression impression, Context ctx, Collector<TrainingExample> out)
      throws Exception {
    HeldCodes held = codes.value();
    if (held != null) {
      joined.inc();
      out.collect(held.join(impression));
      return;
    }
    Integer count = pendingCount.value();
    int waiting = count == null ? 0 : count;
    if (waiting >= maxPendingPerItem) {
      ctx.output(
          DeadLetters.TAG,
          deadLetters.reject(
              impression.source,
              DeadLetterReason.PENDING_LIMIT_EXCEEDED,
              waiting + " impressions of item '" + impression.itemId + "' already wait for codes"));
      return;
    }
    long expiresAt = ctx.timerService().currentProcessingTime() + joinTimeoutMillis;
    pending.add(new PendingImpression(impression, expiresAt));
    pendingCount.update(waiting + 1);
    if (timer.value() == null) {
      ctx.timerService().registerProcessingTimeTimer(expiresAt);
      timer.update(expiresAt);
    }
  }

  @Override
  public void processElement2(ItemCodesUpdate update, Context ctx, Collector<TrainingExample> out)
      throws Exception {
    if (update.deleted) {
      codes.clear();
      return;
    }
    HeldCodes held = codes.value();
    if (held != null && update.codebookVersion < held.codebookVersion) {
      staleCodesIgnored.inc();
      return;
    }
    HeldCodes next = new HeldCodes();
    next.codebookVersion = update.codebookVersion;
    next.codes = update.codes;
    next.itemFirstSeen =
        held == null ? update.itemEventTime : Math.min(held.itemFirstSeen, update.itemEventTime);
    codes.update(next);

    Long registered = timer.value();
    if (registered == null) {
      return;
    }
    for (PendingImpression p : pending.get()) {
      joined.inc();
      joinedAfterWaiting.inc();
      out.collect(next.join(p.impression));
    }
    ctx.timerService().deleteProcessingTimeTimer(registered);
    clearPending();
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<TrainingExample> out)
      throws Exception {
    List<PendingImpression> still = new ArrayList<>();
    long nextExpiry = Long.MAX_VALUE;
    for (PendingImpression p : pending.get()) {
      // Not only a prefix: after a restore on another machine a later arrival may expire earlier.
      if (p.expiresAt <= timestamp) {
        ctx.output(
            DeadLetters.TAG,
            deadLetters.reject(
                p.impression.source,
                DeadLetterReason.IMPRESSION_WITHOUT_CODES,
                "no codes for item '"
                    + p.impression.itemId
                    + "' within "
                    + joinTimeoutMillis
                    + " ms"));
      } else {
        still.add(p);
        nextExpiry = Math.min(nextExpiry, p.expiresAt);
      }
    }
    if (still.isEmpty()) {
      clearPending();
      return;
    }
    pending.update(still);
    pendingCount.update(still.size());
    ctx.timerService().registerProcessingTimeTimer(nextExpiry);
    timer.update(nextExpiry);
  }

  private void clearPending() {
    pending.clear();
    pendingCount.clear();
    timer.clear();
  }
}
