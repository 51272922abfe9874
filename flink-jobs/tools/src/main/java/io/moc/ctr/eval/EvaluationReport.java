package io.moc.ctr.eval;

import io.moc.ctr.eval.EvaluationGrid.Cell;
import io.moc.ctr.eval.EvaluationGrid.Row;
import io.moc.ctr.metrics.PairedDifference;
import io.moc.report.Figure;
import io.moc.report.JsonReport;
import io.moc.report.MeanStd;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * {@code bin/moc evaluate}: the CTR evaluation grid, its JSON report, and a markdown report with
 * the results table, the answers it gives and an SVG figure.
 */
public final class EvaluationReport {

  private final PrintStream console;

  public EvaluationReport(PrintStream console) {
    this.console = console;
  }

  /**
   * @param reportOnly write the reports from the finished cells, running none
   */
  public void run(EvaluationGrid.Settings settings, Path report, boolean reportOnly)
      throws Exception {
    String base = report.getFileName().toString().replaceFirst("\\.json$", "");
    Path cellsFile = report.resolveSibling(base + ".cells.jsonl");
    EvaluationGrid grid = new EvaluationGrid(settings, cellsFile, console);
    List<Cell> cells = reportOnly ? grid.finished() : grid.run();
    List<Row> rows = EvaluationGrid.rows(cells);
    List<Paired> paired = paired(cells);
    Path written =
        JsonReport.write(
            report,
            new Report(settings.data().toString(), settings.describe(), rows, paired, cells));
    Path figure = Figure.write(written.resolveSibling(base), figure(rows));
    Path markdown = written.resolveSibling(base + ".md");
    Files.writeString(markdown, markdown(settings, rows, paired, figure.getFileName().toString()));
    console.println("Report written to " + written + ", " + markdown + " and " + figure);
  }

  /** The JSON report: the rows over seeds, the paired comparisons, and every cell. */
  public record Report(
      String dataset, String settings, List<Row> rows, List<Paired> paired, List<Cell> cells) {}

  /** AUC against scale per method, one panel per backbone; then cold-start AUC likewise. */
  static List<Figure.Panel> figure(List<Row> rows) {
    Map<String, Figure.Panel> auc = new LinkedHashMap<>();
    Map<String, Figure.Panel> cold = new LinkedHashMap<>();
    for (Row r : rows) {
      auc.computeIfAbsent(
              r.backbone(), b -> new Figure.Panel("Test AUC, " + b, "scale (x)", "AUC", false))
          .add(r.method(), r.scale(), r.auc().meanOrNaN());
      cold.computeIfAbsent(
              r.backbone(),
              b -> new Figure.Panel("Cold-start test AUC, " + b, "scale (x)", "AUC", false))
          .add(r.method(), r.scale(), r.coldAuc().meanOrNaN());
    }
    List<Figure.Panel> panels = new ArrayList<>(auc.values());
    panels.addAll(cold.values());
    return panels;
  }

  static String markdown(
      EvaluationGrid.Settings settings, List<Row> rows, List<Paired> paired, String figure) {
    StringBuilder md = new StringBuilder();
    md.append("# CTR evaluation: ").append(settings.data().getFileName()).append("\n\n");
    md.append("Test AUC, mean ± std over seeds (early stopping on validation AUC; the test split ")
        .append("is scored once, at the best validation epoch). Settings: `")
        .append(settings.describe())
        .append("`.\n\n");
    List<Integer> scales =
        java.util.stream.Stream.concat(java.util.stream.Stream.of(1), settings.scales().stream())
            .distinct()
            .sorted()
            .toList();
    for (String backbone : distinct(rows, Row::backbone)) {
      md.append("## ").append(backbone).append("\n\n| method |");
      scales.forEach(s -> md.append(" ").append(s).append("x |"));
      md.append(
          " cold-start AUC at largest scale | cold-vs-cold AUC | cold recall@10 | embedding rows"
              + " |\n|---|");
      scales.forEach(s -> md.append("---|"));
      md.append("---|---|---|---|\n");
      for (String method : distinct(rows, Row::method)) {
        md.append("| ").append(method).append(" |");
        Row largest = null;
        for (int s : scales) {
          Row r = find(rows, backbone, method, s);
          md.append(" ").append(r == null ? "" : pm(r, r.auc(), settings.seeds())).append(" |");
          if (r != null) {
            largest = r;
          }
        }
        if (largest == null) {
          md.append(" | | | |\n");
          continue;
        }
        md.append(" ")
            .append(pm(largest, largest.coldAuc(), settings.seeds()))
            .append(" | ")
            .append(pm(largest, largest.coldPairAuc(), settings.seeds()))
            .append(" | ")
            .append(pm(largest, largest.coldRecallAt10(), settings.seeds()))
            .append(" | ")
            .append(largest.embeddingRows())
            .append(" |\n");
      }
      md.append("\n");
      md.append(comparisons(rows, backbone, scales.get(scales.size() - 1)));
      md.append(pairedTable(paired, backbone));
    }
    md.append("![AUC against scale](").append(figure).append(")\n");
    return md.toString();
  }

  /** MoC against every other method at one scale: difference and z = diff / sqrt(s1² + s2²). */
  static String comparisons(List<Row> rows, String backbone, int scale) {
    Row moc = find(rows, backbone, "moc", scale);
    if (moc == null) {
      return "";
    }
    StringBuilder md = new StringBuilder();
    md.append("MoC (gate) at ")
        .append(scale)
        .append("x against the others (at their largest scale up to ")
        .append(scale)
        .append("x): difference in test AUC, and z = difference / sqrt(std² + std²); ")
        .append(
            "\"beats\" means z > 2.\n\n| other | ΔAUC | z | beats | Δ cold AUC | Δ cold-vs-cold AUC"
                + " | z | Δ cold recall@10 |\n|---|---|---|---|---|---|---|---|\n");
    for (String other : distinct(rows, Row::method)) {
      if (other.equals("moc")) {
        continue;
      }
      Row o = null;
      for (int s = scale; s >= 1 && o == null; s--) {
        o = find(rows, backbone, other, s);
      }
      if (o == null) {
        continue;
      }
      double diff = moc.auc().meanOrNaN() - o.auc().meanOrNaN();
      double z = z(moc.auc(), o.auc());
      md.append(
          String.format(
              Locale.ROOT,
              "| %s %sx | %+.4f | %.1f | %s | %+.4f | %s | %s | %s |%n",
              other,
              o.scale(),
              diff,
              z,
              z > 2 ? "yes" : "no",
              moc.coldAuc().meanOrNaN() - o.coldAuc().meanOrNaN(),
              difference(moc.coldPairAuc(), o.coldPairAuc(), "%+.4f"),
              zOf(moc.coldPairAuc(), o.coldPairAuc()),
              difference(moc.coldRecallAt10(), o.coldRecallAt10(), "%+.3f")));
    }
    return md.append("\n").toString();
  }

  /** The references every method is compared with, seed by seed. */
  static final List<String> REFERENCES = List.of("adapter", "none");

  /** The metrics compared seed by seed: overall AUC and the two cold-start figures. */
  enum PairedMetric {
    TEST_AUC("test_auc", Cell::testAuc),
    COLD_PAIR_AUC("cold_pair_auc", Cell::coldPairAuc),
    COLD_RECALL_AT_10("cold_recall_at_10", Cell::coldRecallAt10);

    /** The cell's key, which names the metric in reports. */
    final String key;

    /** The figure, null where the cell did not measure it. */
    final Function<Cell, Double> figure;

    PairedMetric(String key, Function<Cell, Double> figure) {
      this.key = key;
      this.figure = figure;
    }
  }

  /**
   * A method minus a reference on one metric, over the seeds both have (each seed's cells share the
   * split, the negatives and the initialisation seed).
   */
  public record Paired(
      String backbone,
      String method,
      int scale,
      String reference,
      int referenceScale,
      String metric,
      int pairs,
      double mean,
      double std,
      boolean withinNoise) {}

  /**
   * Every method at its largest scale against each reference at its largest, per backbone and
   * metric, paired by seed.
   */
  static List<Paired> paired(List<Cell> cells) {
    List<Paired> out = new ArrayList<>();
    for (String backbone : distinct(cells, Cell::backbone)) {
      for (String reference : REFERENCES) {
        int refScale = largestScale(cells, backbone, reference);
        if (refScale < 0) {
          continue;
        }
        for (String method : distinct(cells, Cell::method)) {
          int scale = largestScale(cells, backbone, method);
          if (method.equals(reference) || scale < 0) {
            continue;
          }
          for (PairedMetric metric : PairedMetric.values()) {
            Map<Integer, Double> a = bySeed(cells, backbone, method, scale, metric);
            Map<Integer, Double> b = bySeed(cells, backbone, reference, refScale, metric);
            a.keySet().retainAll(b.keySet());
            if (a.isEmpty()) {
              continue;
            }
            double[] x = a.values().stream().mapToDouble(Double::doubleValue).toArray();
            double[] y = a.keySet().stream().mapToDouble(b::get).toArray();
            PairedDifference d = PairedDifference.of(x, y);
            out.add(
                new Paired(
                    backbone,
                    method,
                    scale,
                    reference,
                    refScale,
                    metric.key,
                    d.pairs(),
                    d.mean(),
                    d.std(),
                    d.withinNoise()));
          }
        }
      }
    }
    return out;
  }

  private static int largestScale(List<Cell> cells, String backbone, String method) {
    return cells.stream()
        .filter(c -> c.backbone().equals(backbone) && c.method().equals(method))
        .mapToInt(Cell::scale)
        .max()
        .orElse(-1);
  }

  /** The metric of each seed's cell, in seed order; seeds without it are left out. */
  private static Map<Integer, Double> bySeed(
      List<Cell> cells, String backbone, String method, int scale, PairedMetric metric) {
    Map<Integer, Double> values = new TreeMap<>();
    for (Cell c : cells) {
      Double value = metric.figure.apply(c);
      if (c.backbone().equals(backbone)
          && c.method().equals(method)
          && c.scale() == scale
          && value != null) {
        values.put(c.seed(), value);
      }
    }
    return values;
  }

  /** The paired differences of one backbone as a markdown table. */
  static String pairedTable(List<Paired> paired, String backbone) {
    List<Paired> mine = paired.stream().filter(p -> p.backbone().equals(backbone)).toList();
    if (mine.isEmpty()) {
      return "";
    }
    StringBuilder md = new StringBuilder();
    md.append(
        "Paired by seed (the same seed's split, negatives and initialisation for both): method −"
            + " reference, mean ± std of the per-seed differences; \"noise\" when the 95% interval"
            + " of the mean (Student's t) contains zero.\n\n| method | reference |");
    for (PairedMetric m : PairedMetric.values()) {
      md.append(" Δ ").append(m.key).append(" |");
    }
    md.append("\n|---|---|");
    md.append("---|".repeat(PairedMetric.values().length));
    md.append("\n");
    Map<String, Map<String, Paired>> byPair = new LinkedHashMap<>();
    for (Paired p : mine) {
      byPair
          .computeIfAbsent(
              p.method()
                  + " "
                  + p.scale()
                  + "x | "
                  + p.reference()
                  + " "
                  + p.referenceScale()
                  + "x",
              k -> new LinkedHashMap<>())
          .put(p.metric(), p);
    }
    byPair.forEach(
        (pair, metrics) -> {
          md.append("| ").append(pair).append(" |");
          for (PairedMetric m : PairedMetric.values()) {
            Paired p = metrics.get(m.key);
            md.append(
                p == null
                    ? " |"
                    : String.format(
                        Locale.ROOT,
                        " %+.4f ± %.4f%s |",
                        p.mean(),
                        p.std(),
                        p.withinNoise() ? " (noise)" : ""));
          }
          md.append("\n");
        });
    return md.append("\n").toString();
  }

  private static <T> List<String> distinct(List<T> rows, Function<T, String> key) {
    return rows.stream().map(key).distinct().toList();
  }

  private static Row find(List<Row> rows, String backbone, String method, int scale) {
    return rows.stream()
        .filter(
            r -> r.backbone().equals(backbone) && r.method().equals(method) && r.scale() == scale)
        .findFirst()
        .orElse(null);
  }

  /** a's mean minus b's, or blank when either was not measured. */
  private static String difference(MeanStd a, MeanStd b, String format) {
    if (!a.measured() || !b.measured()) {
      return "";
    }
    return String.format(Locale.ROOT, format, a.mean() - b.mean());
  }

  /** z = difference / sqrt(std² + std²); NaN without a spread (or a figure). */
  private static double z(MeanStd a, MeanStd b) {
    if (!a.measured() || !b.measured()) {
      return Double.NaN;
    }
    double sd = Math.hypot(a.std(), b.std());
    return sd > 0 ? (a.mean() - b.mean()) / sd : Double.NaN;
  }

  private static String zOf(MeanStd a, MeanStd b) {
    double z = z(a, b);
    return Double.isNaN(z) ? "" : String.format(Locale.ROOT, "%.1f", z);
  }

  /**
   * Mean ± std, and the number of seeds when fewer than the grid's (a grid still running); blank
   * for a figure not measured.
   */
  private static String pm(Row r, MeanStd figure, int seeds) {
    if (!figure.measured()) {
      return "";
    }
    String partial = r.seeds() < seeds ? " (" + r.seeds() + " seeds)" : "";
    return String.format(Locale.ROOT, "%.4f ± %.4f%s", figure.mean(), figure.std(), partial);
  }
}
