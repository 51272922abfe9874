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
    Map<String, Object> report =
        new CtrBenchmark(new PrintStream(new ByteArrayOutputStream())).run(options);

    assertEquals(256, report.get("batch"));
    assertTrue(((Number) report.get("threads")).intValue() >= 1);
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> rows = (List<Map<String, Object>>) report.get("rows");
    assertEquals(
        List.of("DEEPFM", "DCNV2", "AUTOINT_PLUS"),
        rows.stream().map(r -> r.get("backbone")).toList());
    for (Map<String, Object> row : rows) {
      for (String key :
          List.of(
              "train_examples_per_s",
              "raw_train_examples_per_s",
              "train_ratio",
              "score_examples_per_s",
              "raw_score_examples_per_s",
              "score_ratio",
              "heap_peak_mb",
              "rss_peak_mb")) {
        assertTrue(((Number) row.get(key)).doubleValue() > 0, row.get("backbone") + " " + key);
      }
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
