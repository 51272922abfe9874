package io.moc.ctr.eval;

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
    Map<String, Object> metrics = new LinkedHashMap<>();
    metrics.put("method", codebook.method());
    metrics.put("embedding_model", codebook.embeddingModel());
    metrics.put("num_codebooks", codebook.numCodebooks());
    metrics.put("codebook_size", codebook.codebookSize());
    metrics.put("items", embeddings.size());
    metrics.put("train_seconds", seconds);
    metrics.put("sha256", CodebookCodec.sha256(artifact));
    metrics.putAll(CodeStatistics.of(codebook, embeddings));
    JsonReport.write(out.resolve("metrics.json"), metrics);
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
    List<Map<String, Object>> rows = new ArrayList<>();
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
        Map<String, Object> row = row(method, scale, c, embeddings.size(), runs);
        rows.add(row);
        discriminability.add(method, scale, (double) row.get("discriminability"));
        abundance.add(method, scale, (double) row.get("information_abundance"));
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("dataset", c.data().toString());
    out.put("items", embeddings.size());
    out.put("embedding_model", SentenceEmbedder.MODEL_NAME);
    out.put("codebook_size", c.codebookSize());
    out.put("seeds", seeds);
    out.put("rows", rows);
    Path written = JsonReport.write(report, out);
    String name = written.getFileName().toString().replaceFirst("\\.json$", "");
    Path figure =
        Figure.write(written.resolveSibling(name), List.of(discriminability, abundance, spectra));
    console.println("Report written to " + written + " and " + figure);
  }

  /** Mean and standard deviation over seeds of each metric. */
  private static Map<String, Object> row(
      String method, int scale, Common c, int items, List<Map<String, Double>> runs) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("method", method);
    row.put("scale", scale);
    row.put("codebook_size", c.codebookSize());
    row.put("items", items);
    row.put("seeds", runs.size());
    for (String key : runs.get(0).keySet()) {
      double[] values = runs.stream().mapToDouble(r -> r.get(key)).toArray();
      double mean = Arrays.stream(values).average().orElse(0);
      double var =
          Arrays.stream(values).map(v -> (v - mean) * (v - mean)).sum()
              / Math.max(1, values.length - 1);
      String name = key.equals("quantization_error") ? "recon_error" : key;
      row.put(name, mean);
      row.put(name + "_std", Math.sqrt(var));
    }
    return row;
  }
}
