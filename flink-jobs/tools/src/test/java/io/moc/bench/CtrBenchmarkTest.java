package io.moc.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moc.ctr.model.CtrModelConfig.Backbone;
import io.moc.source.SharedData;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CtrBenchmarkTest {

  @Test
  void shouldReportPositiveThroughputAndMemoryForEveryBackbone() throws Exception {
    CtrBenchmark.Options options =
        new CtrBenchmark.Options(
            SharedData.dataset("movielens-100k"), 256, 3, 2, List.of(Backbone.values()), 7);
    CtrBenchmark.Report report =
        new CtrBenchmark(new PrintStream(new ByteArrayOutputStream())).run(options);

    assertEquals(256, report.batch());
    assertTrue(report.threads() >= 1);
    List<CtrBenchmark.Row> rows = report.rows();
    assertEquals(
        List.of("DEEPFM", "DCNV2", "AUTOINT_PLUS"),
        rows.stream().map(CtrBenchmark.Row::backbone).toList());
    for (CtrBenchmark.Row row : rows) {
      Map<String, Double> figures =
          Map.of(
              "train_examples_per_s",
              (double) row.trainExamplesPerS(),
              "raw_train_examples_per_s",
              (double) row.rawTrainExamplesPerS(),
              "train_ratio",
              row.trainRatio(),
              "score_examples_per_s",
              (double) row.scoreExamplesPerS(),
              "raw_score_examples_per_s",
              (double) row.rawScoreExamplesPerS(),
              "score_ratio",
              row.scoreRatio(),
              "heap_peak_mb",
              row.heapPeakMb(),
              "rss_peak_mb",
              row.rssPeakMb());
      figures.forEach((key, value) -> assertTrue(value > 0, row.backbone() + " " + key));
    }
  }

  @Test
  void shouldDeriveCodesFromTheItemIndexWithinTheCodebookAndLeaveUnknownAtZero() {
    int[][] codes = CtrBenchmark.codes(50);
    assertEquals(CtrBenchmark.NUM_CODEBOOKS, codes[0].length);
    assertTrue(java.util.Arrays.stream(codes[0]).allMatch(c -> c == 0));
    for (int i = 1; i < codes.length; i++) {
      for (int c : codes[i]) {
        assertTrue(c >= 1 && c <= CtrBenchmark.CODEBOOK_SIZE);
      }
    }
    assertEquals(List.of(codes[7][3]), List.of(CtrBenchmark.codes(50)[7][3]));
  }
}
