package io.moc.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.moc.avro.ImpressionEvent;
import io.moc.avro.ItemEvent;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class PacingTest {

  private static final long T0 = 1_700_000_000_000L;

  private static SourceEvent item(long timeMs) {
    return SourceEvent.of(
        ItemEvent.newBuilder()
            .setItemId("i")
            .setTitle("t")
            .setEventTime(Instant.ofEpochMilli(timeMs))
            .build());
  }

  private static SourceEvent impression(long timeMs) {
    return SourceEvent.of(
        ImpressionEvent.newBuilder()
            .setImpressionId("x")
            .setUserId("u")
            .setItemId("i")
            .setEventTime(Instant.ofEpochMilli(timeMs))
            .setClicked(false)
            .build());
  }

  @Test
  void shouldShrinkOnlyIdleGapsLongerThanTheCap() {
    Pacing pacing = Pacing.eventTime(1000, 10);
    assertEquals(0, pacing.dueNanos(T0, item(T0), 0));
    // 5 s of event time at 1000x is 5 ms: under the cap, kept.
    assertEquals(5_000_000L, pacing.dueNanos(T0, item(T0 + 5_000), 1));
    // A year-long gap costs only the 10 ms cap.
    assertEquals(15_000_000L, pacing.dueNanos(T0, impression(T0 + 5_000 + 31_536_000_000L), 2));
    // A new run starts from zero again.
    assertEquals(0, pacing.dueNanos(T0 + 99, item(T0 + 99), 0));
  }

  @Test
  void shouldScaleEventTimeBySpeedup() {
    Pacing pacing = Pacing.eventTime(60);
    assertEquals(0, pacing.dueNanos(T0, item(T0), 0));
    // One minute of event time is one second of wall time.
    assertEquals(1_000_000_000L, pacing.dueNanos(T0, impression(T0 + 60_000), 5));
    assertEquals(500_000_000L, Pacing.eventTime(2).dueNanos(T0, item(T0 + 1_000), 0));
  }

  @Test
  void shouldSaturateInsteadOfOverflowingForHugeGaps() {
    assertEquals(Long.MAX_VALUE, Pacing.eventTime(1e-9).dueNanos(0, item(Long.MAX_VALUE / 2), 0));
  }

  @Test
  void shouldTreatZeroOrInfiniteSpeedupAsUnpaced() {
    assertInstanceOf(Pacing.AsFastAsPossible.class, Pacing.eventTime(0));
    assertInstanceOf(Pacing.AsFastAsPossible.class, Pacing.eventTime(Double.POSITIVE_INFINITY));
    assertEquals(0, Pacing.asFastAsPossible().dueNanos(T0, item(T0 + 1_000_000), 100));
    assertThrows(IllegalArgumentException.class, () -> Pacing.eventTime(-1));
    assertThrows(IllegalArgumentException.class, () -> Pacing.eventTime(Double.NaN));
  }

  @Test
  void shouldSpaceItemsEvenlyAtATargetRateAndNotDelayImpressions() {
    Pacing pacing = Pacing.itemsPerSecond(4);
    assertEquals(0, pacing.dueNanos(T0, item(T0), 0));
    assertEquals(250_000_000L, pacing.dueNanos(T0, item(T0), 1));
    assertEquals(2_500_000_000L, pacing.dueNanos(T0, item(T0 + 5), 10));
    assertEquals(0, pacing.dueNanos(T0, impression(T0 + 999_999), 10));
    assertThrows(IllegalArgumentException.class, () -> Pacing.itemsPerSecond(0));
    assertThrows(
        IllegalArgumentException.class, () -> Pacing.itemsPerSecond(Double.POSITIVE_INFINITY));
  }
}
