package io.moc.ctr.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moc.ctr.eval.EvaluationGrid.Cell;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EvaluationReportTest {

  private static Cell cell(String method, int scale, int seed, double auc) throws Exception {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("backbone", "deepfm");
    c.put("method", method);
    c.put("scale", scale);
    c.put("seed", seed);
    c.put("test_auc", auc);
    return Cells.of(c);
  }

  @Test
  void shouldPairEachMethodWithEachReferenceSeedBySeedAtItsLargestScale() throws Exception {
    List<Cell> cells = new ArrayList<>();
    double[] seedEffect = {0.0, 0.03, -0.02};
    for (int seed = 1; seed <= 3; seed++) {
      double base = 0.68 + seedEffect[seed - 1];
      cells.add(cell("none", 1, seed, base));
      cells.add(cell("adapter", 1, seed, base + 0.020));
      cells.add(cell("moc", 2, seed, base + 0.001));
      // At its largest scale MoC is 0.010 above "none" in every seed.
      cells.add(cell("moc", 7, seed, base + 0.010 + 0.0005 * seed));
    }
    cells.add(cell("moc", 7, 4, 0.9)); // a seed "none" lacks: left out of the pairs

    List<EvaluationReport.Paired> paired = EvaluationReport.paired(cells);
    EvaluationReport.Paired mocVsNone =
        paired.stream()
            .filter(p -> p.method().equals("moc") && p.reference().equals("none"))
            .filter(p -> p.metric().equals("test_auc"))
            .findFirst()
            .orElseThrow();
    assertEquals(7, mocVsNone.scale());
    assertEquals(3, mocVsNone.pairs());
    assertEquals(0.011, mocVsNone.mean(), 1e-9);
    assertFalse(mocVsNone.withinNoise(), "the same small gain in every seed is not noise");

    EvaluationReport.Paired mocVsAdapter =
        paired.stream()
            .filter(p -> p.method().equals("moc") && p.reference().equals("adapter"))
            .filter(p -> p.metric().equals("test_auc"))
            .findFirst()
            .orElseThrow();
    assertEquals(-0.009, mocVsAdapter.mean(), 1e-9);
    assertTrue(
        paired.stream().noneMatch(p -> p.metric().equals("cold_pair_auc")),
        "a metric no cell has is not compared");
    String md = EvaluationReport.pairedTable(paired, "deepfm");
    assertTrue(md.contains("| moc 7x | none 1x | +0.0110 ± 0.0005 |"), md);
  }
}
