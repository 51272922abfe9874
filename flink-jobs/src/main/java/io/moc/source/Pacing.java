package io.moc.source;

/**
 * When a {@link KafkaFeeder} may send each event, as a wall-clock offset from the start of its run.
 * Pure arithmetic, so it can be tested without a clock.
 */
public sealed interface Pacing permits Pacing.AsFastAsPossible, Pacing.EventTime, Pacing.ItemRate {

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

  /** See {@link #itemsPerSecond(double)}. */
  record ItemRate(double itemsPerSecond) implements Pacing {
    @Override
    public long dueNanos(long firstEventTimeMs, SourceEvent event, long itemsBefore) {
      return event instanceof SourceEvent.Item ? (long) (itemsBefore * 1e9 / itemsPerSecond) : 0;
    }
  }
}
