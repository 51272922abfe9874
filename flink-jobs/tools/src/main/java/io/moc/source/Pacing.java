package io.moc.source;

/**
 * When a {@link KafkaFeeder} may send each event, as a wall-clock offset from the start of its run.
 * Pure arithmetic, so it can be tested without a clock.
 */
public sealed interface Pacing
    permits Pacing.AsFastAsPossible, Pacing.EventTime, Pacing.CappedEventTime, Pacing.ItemRate {

  /**
   * Nanoseconds after the run's start at which {@code event} is due.
   *
   * @param firstEventTimeMs event time of the first event of the run
   * @param event the event about to be sent
   * @param itemsBefore items already sent in this run
   */
  long dueNanos(long firstEventTimeMs, SourceEvent event, long itemsBefore);

  /** No waiting: send as fast as the producer accepts. */
  static Pacing asFastAsPossible() {
    return new AsFastAsPossible();
  }

  /**
   * Replays event time scaled down by {@code speedup}: an event {@code d} ms of event time after
   * the first is sent {@code d / speedup} ms after the start. A speedup of 0 or infinity means as
   * fast as possible.
   */
  static Pacing eventTime(double speedup) {
    if (speedup == 0 || speedup == Double.POSITIVE_INFINITY) {
      return asFastAsPossible();
    }
    if (!(speedup > 0)) {
      throw new IllegalArgumentException("speedup must be positive: " + speedup);
    }
    return new EventTime(speedup);
  }

  /**
   * Like {@link #eventTime(double)}, but no two consecutive events are more than {@code maxGapMs}
   * of wall-clock time apart: real datasets are sparse for years and dense for months, and a replay
   * should not sit idle through the sparse years. Order is kept; only idle gaps shrink.
   */
  static Pacing eventTime(double speedup, double maxGapMs) {
    if (speedup == 0 || speedup == Double.POSITIVE_INFINITY) {
      return asFastAsPossible();
    }
    if (!(speedup > 0) || !(maxGapMs >= 0)) {
      throw new IllegalArgumentException("speedup must be positive, maxGapMs non-negative");
    }
    return new CappedEventTime(speedup, maxGapMs);
  }

  /**
   * Sends {@code itemsPerSecond} items per wall-clock second whatever their event times; the
   * impressions between two items go out right after the first of them. Suits the unbounded
   * synthetic catalog, where the item rate is what a benchmark controls.
   */
  static Pacing itemsPerSecond(double itemsPerSecond) {
    if (!(itemsPerSecond > 0) || Double.isInfinite(itemsPerSecond)) {
      throw new IllegalArgumentException(
          "itemsPerSecond must be positive and finite: " + itemsPerSecond);
    }
    return new ItemRate(itemsPerSecond);
  }

  /** See {@link #asFastAsPossible()}. */
  record AsFastAsPossible() implements Pacing {
    @Override
    public long dueNanos(long firstEventTimeMs, SourceEvent event, long itemsBefore) {
      return 0;
    }
  }

  /** See {@link #eventTime(double)}. */
  record EventTime(double speedup) implements Pacing {
    @Override
    public long dueNanos(long firstEventTimeMs, SourceEvent event, long itemsBefore) {
      // A double cast to long saturates, so a huge event-time gap cannot overflow.
      return (long) ((event.eventTimeMs() - firstEventTimeMs) * 1e6 / speedup);
    }
  }

  /**
   * See {@link #eventTime(double, double)}. Keeps the wall-clock offset of the previous event, so
   * it expects each event once, in order; a new run (a new first event time) starts from zero.
   */
  final class CappedEventTime implements Pacing {
    private final double speedup;
    private final long maxGapNanos;
    private long runFirstEventTimeMs = Long.MIN_VALUE;
    private long previousEventTimeMs;
    private long offsetNanos;

    CappedEventTime(double speedup, double maxGapMs) {
      this.speedup = speedup;
      this.maxGapNanos = (long) (maxGapMs * 1e6);
    }

    @Override
    public long dueNanos(long firstEventTimeMs, SourceEvent event, long itemsBefore) {
      if (firstEventTimeMs != runFirstEventTimeMs) {
        runFirstEventTimeMs = firstEventTimeMs;
        previousEventTimeMs = firstEventTimeMs;
        offsetNanos = 0;
      }
      long gapNanos = (long) ((event.eventTimeMs() - previousEventTimeMs) * 1e6 / speedup);
      offsetNanos += Math.max(0, Math.min(gapNanos, maxGapNanos));
      previousEventTimeMs = event.eventTimeMs();
      return offsetNanos;
    }
  }

  /** See {@link #itemsPerSecond(double)}. */
  record ItemRate(double itemsPerSecond) implements Pacing {
    @Override
    public long dueNanos(long firstEventTimeMs, SourceEvent event, long itemsBefore) {
      return event instanceof SourceEvent.Item ? (long) (itemsBefore * 1e9 / itemsPerSecond) : 0;
    }
  }
}
