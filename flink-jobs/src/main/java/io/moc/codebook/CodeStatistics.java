package io.moc.codebook;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Code-quality figures of a codebook over a set of embeddings, as carried in
 * CodebookVersion.metrics.
 */
public final class CodeStatistics {

  private CodeStatistics() {}

  /**
   * Usage (mean share of each codebook's codes that are used), collision rate (share of items whose
   * whole code tuple is shared with another item) and mean quantization error.
   */
  public static Map<String, Double> of(Codebook codebook, List<float[]> embeddings) {
    int m = codebook.numCodebooks();
    int k = codebook.codebookSize();
    boolean[][] used = new boolean[m][k];
    Map<String, Integer> tuples = new java.util.HashMap<>();
    double error = 0;
    for (float[] x : embeddings) {
      Assignment a = codebook.assign(x);
      for (int i = 0; i < m; i++) {
        used[i][a.codes()[i]] = true;
      }
      tuples.merge(Arrays.toString(a.codes()), 1, Integer::sum);
      error += a.error();
    }
    double usage = 0;
    for (boolean[] codes : used) {
      int count = 0;
      for (boolean u : codes) {
        count += u ? 1 : 0;
      }
      usage += (double) count / k;
    }
    long colliding = tuples.values().stream().filter(c -> c > 1).mapToLong(c -> c).sum();
    int n = embeddings.size();
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("usage", usage / m);
    metrics.put("collision_rate", n == 0 ? 0.0 : (double) colliding / n);
    metrics.put("distinct_tuples", (double) tuples.size());
    metrics.put("quantization_error", n == 0 ? 0.0 : error / n);
    return metrics;
  }
}
