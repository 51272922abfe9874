package io.moc.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.svg.SVGGraphics2D;

/**
 * A report's figure: line-chart panels side by side (JFreeChart), written as SVG (JFreeSVG) for the
 * markdown reports and as PNG for anything that cannot show SVG.
 */
public final class Figure {

  static {
    // Reports are written on servers and in CI: no display.
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
  }

  private static final int PANEL_WIDTH = 440;
  private static final int PANEL_HEIGHT = 300;

  /** One chart: a series per name, points in the order added. */
  public static final class Panel {
    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final boolean logY;
    private final Map<String, XYSeries> series = new LinkedHashMap<>();

    public Panel(String title, String xLabel, String yLabel, boolean logY) {
      this.title = title;
      this.xLabel = xLabel;
      this.yLabel = yLabel;
      this.logY = logY;
    }

    /** Adds a point; a missing value (NaN) is left out rather than drawn at zero. */
    public Panel add(String name, double x, double y) {
      if (!Double.isNaN(y) && !(logY && y <= 0)) {
        series.computeIfAbsent(name, n -> new XYSeries(n, false, true)).add(x, y);
      }
      return this;
    }

    JFreeChart chart() {
      XYSeriesCollection data = new XYSeriesCollection();
      series.values().forEach(data::addSeries);
      JFreeChart chart =
          ChartFactory.createXYLineChart(
              title, xLabel, yLabel, data, PlotOrientation.VERTICAL, true, false, false);
      XYPlot plot = chart.getXYPlot();
      plot.setBackgroundPaint(Color.WHITE);
      plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
      plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
      XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
      for (int i = 0; i < data.getSeriesCount(); i++) {
        renderer.setSeriesStroke(i, new BasicStroke(1.5f));
      }
      plot.setRenderer(renderer);
      if (logY) {
        plot.setRangeAxis(new LogAxis(yLabel));
      } else if (plot.getRangeAxis() instanceof NumberAxis axis) {
        axis.setAutoRangeIncludesZero(false);
      }
      chart.setBackgroundPaint(Color.WHITE);
      return chart;
    }
  }

  private Figure() {}

  /**
   * Writes {@code panels} side by side as {@code <base>.svg} and {@code <base>.png}.
   *
   * @return the SVG file
   */
  public static Path write(Path base, List<Panel> panels) throws IOException {
    // A chart is built from its panel's series each time: build once, draw onto both canvases.
    List<JFreeChart> charts = panels.stream().map(Panel::chart).toList();
    int width = PANEL_WIDTH * Math.max(1, charts.size());
    SVGGraphics2D svg = new SVGGraphics2D(width, PANEL_HEIGHT);
    draw(svg, charts);
    Path svgFile = base.resolveSibling(base.getFileName() + ".svg");
    Files.writeString(svgFile, svg.getSVGElement(), StandardCharsets.UTF_8);

    BufferedImage image = new BufferedImage(width, PANEL_HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D png = image.createGraphics();
    png.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    draw(png, charts);
    png.dispose();
    ImageIO.write(image, "png", base.resolveSibling(base.getFileName() + ".png").toFile());
    return svgFile;
  }

  private static void draw(Graphics2D g, List<JFreeChart> charts) {
    g.setPaint(Color.WHITE);
    g.fillRect(0, 0, PANEL_WIDTH * Math.max(1, charts.size()), PANEL_HEIGHT);
    for (int i = 0; i < charts.size(); i++) {
      charts.get(i).draw(g, new Rectangle2D.Double(i * PANEL_WIDTH, 0, PANEL_WIDTH, PANEL_HEIGHT));
    }
  }
}
