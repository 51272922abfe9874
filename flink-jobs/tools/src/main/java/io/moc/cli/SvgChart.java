package io.moc.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A small line chart written as SVG: reports need figures, and no plotting library is at hand. */
final class SvgChart {

  private static final String[] COLORS = {
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf"
  };
  private static final int W = 440;
  private static final int H = 300;
  private static final int LEFT = 60;
  private static final int RIGHT = 130;
  private static final int TOP = 30;
  private static final int BOTTOM = 45;

  private final String title;
  private final String xLabel;
  private final String yLabel;
  private final boolean logY;
  private final Map<String, List<double[]>> series = new LinkedHashMap<>();

  SvgChart(String title, String xLabel, String yLabel, boolean logY) {
    this.title = title;
    this.xLabel = xLabel;
    this.yLabel = yLabel;
    this.logY = logY;
  }

  SvgChart add(String name, double x, double y) {
    series.computeIfAbsent(name, n -> new ArrayList<>()).add(new double[] {x, y});
    return this;
  }

  /** The chart as an SVG group translated to ({@code dx}, {@code dy}). */
  String render(int dx, int dy) {
    double minX = Double.MAX_VALUE,
        maxX = -Double.MAX_VALUE,
        minY = Double.MAX_VALUE,
        maxY = -Double.MAX_VALUE;
    for (List<double[]> points : series.values()) {
      for (double[] p : points) {
        double y = y(p[1]);
        minX = Math.min(minX, p[0]);
        maxX = Math.max(maxX, p[0]);
        minY = Math.min(minY, y);
        maxY = Math.max(maxY, y);
      }
    }
    if (minX == maxX) {
      maxX = minX + 1;
    }
    if (minY == maxY) {
      maxY = minY + 1;
    }
    double x0 = minX, x1 = maxX, y0 = minY, y1 = maxY;
    int plotW = W - LEFT - RIGHT;
    int plotH = H - TOP - BOTTOM;
    StringBuilder svg = new StringBuilder();
    svg.append(String.format(Locale.ROOT, "<g transform=\"translate(%d,%d)\">%n", dx, dy));
    svg.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%d\" y=\"18\" font-size=\"13\" font-weight=\"bold\">%s</text>%n",
            LEFT,
            escape(title)));
    svg.append(
        String.format(
            Locale.ROOT,
            "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#999\"/>%n",
            LEFT,
            TOP,
            plotW,
            plotH));
    for (int t = 0; t <= 4; t++) {
      double fy = y0 + (y1 - y0) * t / 4;
      double py = TOP + plotH - plotH * (fy - y0) / (y1 - y0);
      String label =
          logY
              ? String.format(Locale.ROOT, "%.2g", Math.pow(10, fy))
              : String.format(Locale.ROOT, "%.3g", fy);
      svg.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%d\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\">%s</text>%n",
              LEFT - 4,
              py + 3,
              label));
      double fx = x0 + (x1 - x0) * t / 4;
      double px = LEFT + plotW * (fx - x0) / (x1 - x0);
      svg.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\">%.3g</text>%n",
              px,
              TOP + plotH + 14,
              fx));
    }
    svg.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%s</text>%n",
            LEFT + plotW / 2,
            H - 8,
            escape(xLabel)));
    svg.append(
        String.format(
            Locale.ROOT,
            "<text x=\"14\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\" transform=\"rotate(-90 14 %d)\">%s</text>%n",
            TOP + plotH / 2,
            TOP + plotH / 2,
            escape(yLabel + (logY ? " (log)" : ""))));
    int s = 0;
    for (Map.Entry<String, List<double[]>> e : series.entrySet()) {
      String color = COLORS[s % COLORS.length];
      StringBuilder path = new StringBuilder();
      for (double[] p : e.getValue()) {
        double px = LEFT + plotW * (p[0] - x0) / (x1 - x0);
        double py = TOP + plotH - plotH * (y(p[1]) - y0) / (y1 - y0);
        path.append(path.length() == 0 ? "M" : " L")
            .append(String.format(Locale.ROOT, "%.1f %.1f", px, py));
        svg.append(
            String.format(
                Locale.ROOT,
                "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2\" fill=\"%s\"/>%n",
                px,
                py,
                color));
      }
      svg.append(
          String.format(
              Locale.ROOT,
              "<path d=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\"/>%n",
              path,
              color));
      svg.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"%s\">%s</text>%n",
              W - RIGHT + 8,
              TOP + 12 + 16 * s,
              color,
              escape(e.getKey())));
      s++;
    }
    svg.append("</g>\n");
    return svg.toString();
  }

  private double y(double value) {
    return logY ? Math.log10(Math.max(value, 1e-12)) : value;
  }

  static String document(List<SvgChart> charts) {
    StringBuilder svg = new StringBuilder();
    svg.append(
        String.format(
            Locale.ROOT,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\">%n",
            W * charts.size(),
            H));
    svg.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    for (int i = 0; i < charts.size(); i++) {
      svg.append(charts.get(i).render(i * W, 0));
    }
    return svg.append("</svg>\n").toString();
  }

  private static String escape(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
