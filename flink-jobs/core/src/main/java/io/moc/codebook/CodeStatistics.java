package io.moc.codebook;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Code-quality figures of a codebook over a set of item embeddings, as carried in {@code
 * CodebookVersion.metrics}: the Mixture-of-Codes paper's discriminability and dimension-robustness
 * analyses, computed on our own items.
 */
public final class CodeStatistics {

  private CodeStatistics() {}

  /**
   *
   *
   * <ul>
   *   <li>{@code usage}: mean over codebooks of the share of codes used;
   *   <li>{@code perplexity}: mean over codebooks of exp(entropy of the code distribution), in
   *       codes;
   *   <li>{@code collision_rate}: share of items whose whole code tuple another item has too;
   *   <li>{@code distinct_tuples}: number of different code tuples;
   *   <li>{@code discriminability}: mutual information between item identity and code tuple over
   *       the item entropy, I(item; tuple) / H(item) = H(tuple) / log n, 1 when no two items share
   *       a tuple;
   *   <li>{@code information_abundance}: sum of the singular values of the items' semantic
   *       representations ({@link Codebook#represent}) over the largest one;
   *   <li>{@code quantization_error}: mean quantization error.
   * </ul>
   */
  /**
   * The metrics of {@link #of}, and the singular values (largest first) behind their information
   * abundance.
   */
  public record Measured(Map<String, Double> metrics, double[] spectrum) {}

  public static Map<String, Double> of(Codebook codebook, List<float[]> embeddings) {
    return measure(codebook, embeddings).metrics();
  }

  /** As {@link #of}, keeping the spectrum, which costs as much to compute again as all the rest. */
  public static Measured measure(Codebook codebook, List<float[]> embeddings) {
    return measure(codebook, embeddings, true);
  }

  /**
   * As {@link #of}, without the spectrum: {@code information_abundance} is NaN. For watching live
   * quality often, where the spectrum of a window of items costs more than all the rest together.
   */
  public static Map<String, Double> withoutSpectrum(Codebook codebook, List<float[]> embeddings) {
    return measure(codebook, embeddings, false).metrics();
  }

  private static Measured measure(
      Codebook codebook, List<float[]> embeddings, boolean withSpectrum) {
    int m = codebook.numCodebooks();
    int k = codebook.codebookSize();
    long[][] counts = new long[m][k];
    Map<String, Integer> tuples = new HashMap<>();
    List<float[]> representations = new ArrayList<>(embeddings.size());
    double error = 0;
    for (float[] x : embeddings) {
      Assignment a = codebook.assign(x);
      for (int i = 0; i < m; i++) {
        counts[i][a.codes()[i]]++;
      }
      tuples.merge(Arrays.toString(a.codes()), 1, Integer::sum);
      if (withSpectrum) {
        representations.add(codebook.represent(x));
      }
      error += a.error();
    }
    int n = embeddings.size();
    double usage = 0;
    double perplexity = 0;
    for (long[] c : counts) {
      int used = 0;
      double entropy = 0;
      for (long count : c) {
        if (count > 0) {
          used++;
          double p = (double) count / n;
          entropy -= p * Math.log(p);
        }
      }
      usage += (double) used / k;
      perplexity += Math.exp(entropy);
    }
    long colliding = tuples.values().stream().filter(c -> c > 1).mapToLong(c -> c).sum();
    double tupleEntropy = 0;
    for (int c : tuples.values()) {
      double p = (double) c / n;
      tupleEntropy -= p * Math.log(p);
    }
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("usage", n == 0 ? 0.0 : usage / m);
    metrics.put("perplexity", n == 0 ? 0.0 : perplexity / m);
    metrics.put("collision_rate", n == 0 ? 0.0 : (double) colliding / n);
    metrics.put("distinct_tuples", (double) tuples.size());
    metrics.put("discriminability", n < 2 ? 0.0 : tupleEntropy / Math.log(n));
    double[] spectrum = withSpectrum ? Spectrum.singularValues(representations) : new double[0];
    metrics.put(
        "information_abundance",
        withSpectrum ? Spectrum.informationAbundance(spectrum) : Double.NaN);
    metrics.put("quantization_error", n == 0 ? 0.0 : error / n);
    return new Measured(metrics, spectrum);
  }
}
