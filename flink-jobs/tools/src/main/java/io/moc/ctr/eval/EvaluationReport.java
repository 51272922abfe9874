package io.moc.ctr.eval;

import io.moc.report.Figure;
import io.moc.report.JsonReport;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

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
    List<Map<String, Object>> cells = reportOnly ? grid.finished() : grid.run();
    List<Map<String, Object>> rows = EvaluationGrid.rows(cells);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("dataset", settings.data().toString());
    out.put("settings", settings.describe());
    out.put("rows", rows);
    List<Paired> paired = paired(cells);
    out.put("paired", paired);
    out.put("cells", cells);
    Path written = JsonReport.write(report, out);
    Path figure = Figure.write(written.resolveSibling(base), figure(rows));
    Path markdown = written.resolveSibling(base + ".md");
    Files.writeString(markdown, markdown(settings, rows, paired, figure.getFileName().toString()));
    console.println("Report written to " + written + ", " + markdown + " and " + figure);
  }

  /** AUC against scale per method, one panel per backbone; then cold-start AUC likewise. */
  static List<Figure.Panel> figure(List<Map<String, Object>> rows) {
    Map<String, Figure.Panel> auc = new LinkedHashMap<>();
    Map<String, Figure.Panel> cold = new LinkedHashMap<>();
    for (Map<String, Object> r : rows) {
      String backbone = (String) r.get("backbone");
      auc.computeIfAbsent(
              backbone, b -> new Figure.Panel("Test AUC, " + b, "scale (x)", "AUC", false))
          .add((String) r.get("method"), num(r, "scale"), num(r, "auc_mean"));
      cold.computeIfAbsent(
              backbone,
              b -> new Figure.Panel("Cold-start test AUC, " + b, "scale (x)", "AUC", false))
          .add((String) r.get("method"), num(r, "scale"), num(r, "cold_auc_mean"));
    }
    List<Figure.Panel> panels = new ArrayList<>(auc.values());
    panels.addAll(cold.values());
    return panels;
  }

  static String markdown(
      EvaluationGrid.Settings settings,
      List<Map<String, Object>> rows,
      List<Paired> paired,
      String figure) {
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
    for (String backbone : distinct(rows, "backbone")) {
      md.append("## ").append(backbone).append("\n\n| method |");
      scales.forEach(s -> md.append(" ").append(s).append("x |"));
      md.append(
          " cold-start AUC at largest scale | cold-vs-cold AUC | cold recall@10 | embedding rows"
              + " |\n|---|");
      scales.forEach(s -> md.append("---|"));
      md.append("---|---|---|---|\n");
      for (String method : distinct(rows, "method")) {
        md.append("| ").append(method).append(" |");
        Map<String, Object> largest = null;
        for (int s : scales) {
          Map<String, Object> r = find(rows, backbone, method, s);
          md.append(" ").append(r == null ? "" : pm(r, "auc", settings.seeds())).append(" |");
          if (r != null) {
            largest = r;
          }
        }
        md.append(" ")
            .append(largest == null ? "" : pm(largest, "cold_auc", settings.seeds()))
            .append(" | ")
            .append(largest == null ? "" : pm(largest, "cold_pair_auc", settings.seeds()))
            .append(" | ")
            .append(largest == null ? "" : pm(largest, "cold_recall_at_10", settings.seeds()))
            .append(" | ")
            .append(largest == null ? "" : largest.get("embedding_rows"))
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
  static String comparisons(List<Map<String, Object>> rows, String backbone, int scale) {
    Map<String, Object> moc = find(rows, backbone, "moc", scale);
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
    for (String other : distinct(rows, "method")) {
      if (other.equals("moc")) {
        continue;
      }
      Map<String, Object> o = null;
      for (int s = scale; s >= 1 && o == null; s--) {
        o = find(rows, backbone, other, s);
      }
      if (o == null) {
        continue;
      }
      double diff = num(moc, "auc_mean") - num(o, "auc_mean");
      double sd = Math.hypot(num(moc, "auc_std"), num(o, "auc_std"));
      double z = sd > 0 ? diff / sd : Double.NaN;
      md.append(
          String.format(
              Locale.ROOT,
              "| %s %sx | %+.4f | %.1f | %s | %+.4f | %s | %s | %s |%n",
              other,
              o.get("scale"),
              diff,
              z,
              z > 2 ? "yes" : "no",
              num(moc, "cold_auc_mean") - num(o, "cold_auc_mean"),
              difference(moc, o, "cold_pair_auc", "%+.4f"),
              zOf(moc, o, "cold_pair_auc"),
              difference(moc, o, "cold_recall_at_10", "%+.3f")));
    }
    return md.append("\n").toString();
  }

  /** The references every method is compared with, seed by seed. */
  static final List<String> REFERENCES = List.of("adapter", "none");

  /** The metrics compared seed by seed: overall AUC and the two cold-start figures. */
  static final List<String> PAIRED_METRICS =
      List.of("test_auc", "cold_pair_auc", "cold_recall_at_10");

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
  static List<Paired> paired(List<Map<String, Object>> cells) {
    List<Paired> out = new ArrayList<>();
    for (String backbone : distinct(cells, "backbone")) {
      for (String reference : REFERENCES) {
        int refScale = largestScale(cells, backbone, reference);
        if (refScale < 0) {
          continue;
        }
        for (String method : distinct(cells, "method")) {
          int scale = largestScale(cells, backbone, method);
          if (method.equals(reference) || scale < 0) {
            continue;
          }
          for (String metric : PAIRED_METRICS) {
            Map<Integer, Double> a = bySeed(cells, backbone, method, scale, metric);
            Map<Integer, Double> b = bySeed(cells, backbone, reference, refScale, metric);
            a.keySet().retainAll(b.keySet());
            if (a.isEmpty()) {
              continue;
            }
            double[] x = a.values().stream().mapToDouble(Double::doubleValue).toArray();
            double[] y = a.keySet().stream().mapToDouble(b::get).toArray();
            io.moc.ctr.metrics.PairedDifference d = io.moc.ctr.metrics.PairedDifference.of(x, y);
            out.add(
                new Paired(
                    backbone,
                    method,
                    scale,
                    reference,
                    refScale,
                    metric,
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

  private static int largestScale(List<Map<String, Object>> cells, String backbone, String method) {
    return cells.stream()
        .filter(c -> c.get("backbone").equals(backbone) && c.get("method").equals(method))
        .mapToInt(c -> (int) num(c, "scale"))
        .max()
        .orElse(-1);
  }

  /** The metric of each seed's cell, in seed order; seeds without it are left out. */
  private static Map<Integer, Double> bySeed(
      List<Map<String, Object>> cells, String backbone, String method, int scale, String metric) {
    Map<Integer, Double> values = new java.util.TreeMap<>();
    for (Map<String, Object> c : cells) {
      if (c.get("backbone").equals(backbone)
          && c.get("method").equals(method)
          && num(c, "scale") == scale
          && c.get(metric) != null) {
        values.put((int) num(c, "seed"), num(c, metric));
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
    PAIRED_METRICS.forEach(m -> md.append(" Δ ").append(m).append(" |"));
    md.append("\n|---|---|");
    PAIRED_METRICS.forEach(m -> md.append("---|"));
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
          for (String m : PAIRED_METRICS) {
            Paired p = metrics.get(m);
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

  private static List<String> distinct(List<Map<String, Object>> rows, String key) {
    return rows.stream().map(r -> (String) r.get(key)).distinct().toList();
  }

  private static Map<String, Object> find(
      List<Map<String, Object>> rows, String backbone, String method, int scale) {
    return rows.stream()
        .filter(
            r ->
                r.get("backbone").equals(backbone)
                    && r.get("method").equals(method)
                    && num(r, "scale") == scale)
        .findFirst()
        .orElse(null);
  }

  /** a's mean minus b's, or blank when either was not measured. */
  private static String difference(
      Map<String, Object> a, Map<String, Object> b, String name, String format) {
    if (a.get(name + "_mean") == null || b.get(name + "_mean") == null) {
      return "";
    }
    return String.format(Locale.ROOT, format, num(a, name + "_mean") - num(b, name + "_mean"));
  }

  private static String zOf(Map<String, Object> a, Map<String, Object> b, String name) {
    if (a.get(name + "_mean") == null || b.get(name + "_mean") == null) {
      return "";
    }
    double sd = Math.hypot(num(a, name + "_std"), num(b, name + "_std"));
    return sd > 0
        ? String.format(Locale.ROOT, "%.1f", (num(a, name + "_mean") - num(b, name + "_mean")) / sd)
        : "";
  }

  /**
   * Mean ± std, and the number of seeds when fewer than the grid's (a grid still running); blank
   * for a figure not measured.
   */
  private static String pm(Map<String, Object> r, String name, int seeds) {
    if (r.get(name + "_mean") == null) {
      return "";
    }
    String partial = num(r, "seeds") < seeds ? " (" + (int) num(r, "seeds") + " seeds)" : "";
    return String.format(
        Locale.ROOT, "%.4f ± %.4f%s", num(r, name + "_mean"), num(r, name + "_std"), partial);
  }

  private static double num(Map<String, Object> r, String key) {
    return ((Number) Objects.requireNonNull(r.get(key), key)).doubleValue();
  }
}
