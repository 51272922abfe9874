package io.moc.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moc.bench.TrainingBenchmark.Publication;
import io.moc.training.TrainingExample;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrainingBenchmarkTest {

  private static Publication published(long trained, long appendTime, long visibleTime) {
    return new Publication(
        trained, appendTime - 5, appendTime, visibleTime, Double.NaN, false, 100, 1.0, Double.NaN);
  }

  @Test
  void shouldTimeEachImpressionToTheFirstSnapshotTrainedOnIt() {
    // Impressions 0..5 appended at 1 s, 2 s, ...; snapshots trained on 2, 4 and 8 examples.
    long[] appended = {1000, 2000, 3000, 4000, 5000, 6000};
    List<Publication> pubs =
        List.of(
            published(2, 10_000, 12_000),
            published(4, 20_000, 21_000),
            published(8, 30_000, 30_500));

    double[] visible =
        TrainingBenchmark.freshnessSeconds(appended, 1, 6, pubs, Publication::visibleTime);
    double[] written =
        TrainingBenchmark.freshnessSeconds(appended, 1, 6, pubs, Publication::appendTime);

    // Position 1 is in the first snapshot (2 trained), 2 and 3 in the second, 4 and 5 in the third.
    assertArrayEquals(new double[] {10.0, 18.0, 17.0, 25.5, 24.5}, visible, 1e-9);
    assertArrayEquals(new double[] {8.0, 17.0, 16.0, 25.0, 24.0}, written, 1e-9);
  }

  @Test
  void shouldLeaveOutImpressionsNoSnapshotCoversOrWithoutAnAppendTime() {
    long[] appended = {1000, -1, 3000, 4000};
    List<Publication> pubs = List.of(published(3, 10_000, 10_000));

    double[] f = TrainingBenchmark.freshnessSeconds(appended, 0, 4, pubs, Publication::visibleTime);

    assertArrayEquals(new double[] {9.0, 7.0}, f, 1e-9);
  }

  @Test
  void shouldTakeNearestRankPercentiles() {
    double[] values = {5, 1, 4, 2, 3, 6, 7, 8, 9, 10};
    assertEquals(5.0, TrainingBenchmark.percentile(values, 0.5));
    assertEquals(10.0, TrainingBenchmark.percentile(values, 0.99));
    assertTrue(Double.isNaN(TrainingBenchmark.percentile(new double[0], 0.5)));
  }

  @Test
  void shouldBuildALearnableTaskWhoseClicksFollowTheFirstCode() {
    int[][] codes = TrainingBenchmark.catalog(200, 4, 256, 3);
    List<TrainingExample> examples = TrainingBenchmark.examples(codes, 256, 0, 20_000, 5);
    double[] clicks = new double[2];
    double[] shown = new double[2];
    for (TrainingExample e : examples) {
      int clickable = e.codes[0] < 128 ? 1 : 0;
      shown[clickable]++;
      clicks[clickable] += e.clicked ? 1 : 0;
      assertEquals(4, e.codes.length);
    }
    assertEquals(0.6, clicks[1] / shown[1], 0.03);
    assertEquals(0.05, clicks[0] / shown[0], 0.03);
  }
}
