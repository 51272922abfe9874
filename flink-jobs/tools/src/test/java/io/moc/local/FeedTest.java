package io.moc.local;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FeedTest {

  private static CodesMonitor.Snapshot codes(long activeVersion, Set<Long> rejected) {
    return new CodesMonitor.Snapshot(
        90, 95, 3, Map.of(), activeVersion, rejected, 90, 38, 71, 1000, 0);
  }

  private static ModelsMonitor.Snapshot model(double controlAuc, double controlColdAuc) {
    return new ModelsMonitor.Snapshot(8, 1, 10752, 0.731, 0.702, controlAuc, controlColdAuc, 8);
  }

  @Test
  void shouldShowTheActiveCodebookVersionAndTheVersionsValidationRejected() {
    String line =
        Feed.progressLine(
            Duration.ofSeconds(40),
            100,
            500,
            codes(1, Set.of(1000L)),
            model(Double.NaN, Double.NaN),
            20);
    assertTrue(line.contains("| codebook v1 (rejected v1000) |"), line);
    assertTrue(
        Feed.progressLine(
                Duration.ofSeconds(40),
                100,
                500,
                codes(2, Set.of()),
                model(Double.NaN, Double.NaN),
                20)
            .contains("| codebook v2 |"));
    assertTrue(
        Feed.progressLine(
                Duration.ofSeconds(1), 0, 0, codes(-1, Set.of()), model(Double.NaN, Double.NaN), 0)
            .contains("| codebook none yet |"));
  }

  @Test
  void shouldShowTheControlModelAndTheColdStartLiftWhenTheJobTrainsOne() {
    String without =
        Feed.progressLine(
            Duration.ofSeconds(40),
            100,
            500,
            codes(1, Set.of()),
            model(Double.NaN, Double.NaN),
            20);
    assertTrue(
        without.endsWith("model v8 (10752 examples, AUC 0.731, cold-start AUC 0.702)"), without);
    String with =
        Feed.progressLine(
            Duration.ofSeconds(40), 100, 500, codes(1, Set.of()), model(0.612, 0.552), 20);
    assertTrue(
        with.endsWith(
            "model v8 (10752 examples, AUC 0.731, cold-start AUC 0.702; ids-only AUC 0.612,"
                + " cold-start 0.552: lift +0.150)"),
        with);
  }
}
