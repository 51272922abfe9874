package io.moc.ctr.eval;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonIgnore;
import io.moc.avro.ItemEvent;
import io.moc.codebook.CodeStatistics;
import io.moc.codebook.Codebook;
import io.moc.codebook.CodebookCodec;
import io.moc.codebook.CodebookTrainer;
import io.moc.codebook.ProjectedKMeansCodebook;
import io.moc.codebook.methods.CodebookMethods;
import io.moc.embed.EmbeddingCache;
import io.moc.embed.ItemText;
import io.moc.embed.SentenceEmbedder;
import io.moc.embed.TextEmbedder;
import io.moc.report.Figure;
import io.moc.report.JsonReport;
import io.moc.report.MeanStd;
import io.moc.source.DatasetReplay;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code bin/moc codebook train|eval}: codebooks trained offline on a dataset's item text, embedded
 * once with the bundled model and cached.
 */
public final class CodebookEvaluation {

  /** What both subcommands share. */
  public record Common(
      Path data,
      int codebookSize,
      int projectedDimension,
      int iterations,
      int limit,
      Path cacheDir) {}

  /** {@code codebook train}'s {@code metrics.json}: the codebook and its code statistics. */
  public record TrainMetrics(
      String method,
      String embeddingModel,
      int numCodebooks,
      int codebookSize,
      int items,
      double trainSeconds,
      String sha256,
      @JsonIgnore Map<String, Double> statistics) {

    /** The statistics sit beside the other keys, as {@link CodeStatistics} names them. */
    @JsonAnyGetter
    Map<String, Double> flatStatistics() {
      return statistics;
    }
  }

  /** {@code codebook eval}'s report. */
  public record EvalReport(
      String dataset,
      int items,
      String embeddingModel,
      int codebookSize,
      int seeds,
      List<EvalRow> rows) {}

  /**
   * One method at one scale over seeds.
   *
   * @param metrics each code statistic's mean under its name and its std under {@code name_std}
   */
  public record EvalRow(
      String method,
      int scale,
      int codebookSize,
      int items,
      int seeds,
      @JsonIgnore Map<String, Double> metrics) {

    @JsonAnyGetter
    Map<String, Double> flatMetrics() {
      return metrics;
    }
  }

  private final PrintStream console;

  public CodebookEvaluation(PrintStream console) {
    this.console = console;
  }

  /** Item ids and embeddings of the dataset, in item-id order. */
  List<float[]> embeddings(Common c) throws Exception {
    List<ItemEvent> items = new DatasetReplay(c.data(), 0).items();
    items.sort(Comparator.comparing(ItemEvent::getItemId));
    if (c.limit() > 0 && items.size() > c.limit()) {
      items = items.subList(0, c.limit());
    }
    List<String> texts = items.stream().map(ItemText::compose).toList();
    Path cache =
        c.cacheDir()
            .resolve(
                c.data().getFileName()
                    + "-"
                    + SentenceEmbedder.MODEL_NAME
                    + "-"
                    + texts.size()
                    + ".emb");
    try (TextEmbedder embedder = SentenceEmbedder.openDefault()) {
      int total = texts.size();
      float[][] vectors =
          EmbeddingCache.embed(
              embedder, texts, 64, cache, done -> progress("embedding items", done, total));
      console.println();
      return Arrays.asList(vectors);
    }
  }

  private void progress(String what, int done, int total) {
    int width = 30;
    int filled = total == 0 ? width : (int) ((long) width * done / total);
    console.printf(
        "\r%s [%s%s] %d/%d", what, "#".repeat(filled), " ".repeat(width - filled), done, total);
    console.flush();
  }

  /** {@code codebook train}: one codebook, its artifact and its metrics. */
  public void train(Common c, String method, int numCodebooks, long seed, Path out)
      throws Exception {
    List<float[]> embeddings = embeddings(c);
    CodebookTrainer trainer =
        CodebookMethods.trainer(
            method, numCodebooks, c.codebookSize(), c.projectedDimension(), c.iterations(), seed);
    long start = System.nanoTime();
    Codebook codebook = trainer.train(SentenceEmbedder.MODEL_NAME, embeddings);
    double seconds = (System.nanoTime() - start) / 1e9;
    Files.createDirectories(out);
    byte[] artifact = CodebookCodec.serialize(codebook);
    Files.write(out.resolve("codebook.bin"), artifact);
    JsonReport.write(
        out.resolve("metrics.json"),
        new TrainMetrics(
            codebook.method(),
            codebook.embeddingModel(),
            codebook.numCodebooks(),
            codebook.codebookSize(),
            embeddings.size(),
            seconds,
            CodebookCodec.sha256(artifact),
            CodeStatistics.of(codebook, embeddings)));
    console.printf(
        "%s M=%d K=%d trained in %.1f s; written to %s%n",
        method, numCodebooks, c.codebookSize(), seconds, out);
  }

  /**
   * {@code codebook eval}: every method at every scale over seeds, a JSON report and an SVG figure.
   */
  public void eval(Common c, List<String> methods, List<Integer> scales, int seeds, Path report)
      throws Exception {
    List<float[]> embeddings = embeddings(c);
    List<EvalRow> rows = new ArrayList<>();
    Figure.Panel discriminability =
        new Figure.Panel(
            "Discriminability vs scale", "codes per item (M)", "I(item;codes)/H(item)", false);
    Figure.Panel abundance =
        new Figure.Panel(
            "Information abundance vs scale", "codes per item (M)", "sum(s)/max(s)", false);
    int largest = scales.stream().mapToInt(Integer::intValue).max().orElse(1);
    Figure.Panel spectra =
        new Figure.Panel("Singular spectra at M=" + largest, "index", "s_i / s_1", true);
    for (String method : methods) {
      for (int scale : scales) {
        if (method.equals(ProjectedKMeansCodebook.KMEANS) && scale != 1) {
          continue; // one codebook by definition: the 1x reference
        }
        List<Map<String, Double>> runs = new ArrayList<>();
        for (int seed = 1; seed <= seeds; seed++) {
          CodebookTrainer trainer =
              CodebookMethods.trainer(
                  method, scale, c.codebookSize(), c.projectedDimension(), c.iterations(), seed);
          long start = System.nanoTime();
          Codebook codebook = trainer.train(SentenceEmbedder.MODEL_NAME, embeddings);
          double seconds = (System.nanoTime() - start) / 1e9;
          CodeStatistics.Measured measured = CodeStatistics.measure(codebook, embeddings);
          Map<String, Double> m = new LinkedHashMap<>(measured.metrics());
          m.put("train_seconds", seconds);
          runs.add(m);
          if (seed == 1 && (scale == largest || method.equals(ProjectedKMeansCodebook.KMEANS))) {
            double[] s = measured.spectrum();
            for (int i = 0; i < s.length && s[0] > 0; i++) {
              spectra.add(method + " M=" + scale, i + 1, s[i] / s[0]);
            }
          }
          console.printf("%-16s M=%d seed %d: %s%n", method, scale, seed, m);
        }
        EvalRow row = row(method, scale, c, embeddings.size(), runs);
        rows.add(row);
        discriminability.add(method, scale, row.metrics().get("discriminability"));
        abundance.add(method, scale, row.metrics().get("information_abundance"));
      }
    }
    Path written =
        JsonReport.write(
            report,
            new EvalReport(
                c.data().toString(),
                embeddings.size(),
                SentenceEmbedder.MODEL_NAME,
                c.codebookSize(),
                seeds,
                rows));
    String name = written.getFileName().toString().replaceFirst("\\.json$", "");
    Path figure =
        Figure.write(written.resolveSibling(name), List.of(discriminability, abundance, spectra));
    console.println("Report written to " + written + " and " + figure);
  }

  /** Mean and standard deviation over seeds of each metric. */
  private static EvalRow row(
      String method, int scale, Common c, int items, List<Map<String, Double>> runs) {
    Map<String, Double> metrics = new LinkedHashMap<>();
    for (String key : runs.get(0).keySet()) {
      MeanStd m = EvaluationGrid.over(runs, r -> r.get(key));
      String name = key.equals("quantization_error") ? "recon_error" : key;
      metrics.put(name, m.mean());
      metrics.put(name + "_std", m.std());
    }
    return new EvalRow(method, scale, c.codebookSize(), items, runs.size(), metrics);
  }
}
