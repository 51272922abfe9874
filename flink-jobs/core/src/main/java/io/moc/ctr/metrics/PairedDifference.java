package io.moc.ctr.metrics;

/**
 * The difference between two methods measured on the same pairs (the same seed's data and
 * initialisation for both): its mean, its sample standard deviation, and whether it is within
 * noise. Pairing removes what both runs of a seed share, which an unpaired z-score counts twice.
 *
 * @param pairs how many pairs were measured
 * @param mean the mean of a − b over the pairs
 * @param std the sample standard deviation of a − b (0 for a single pair)
 */
public record PairedDifference(int pairs, double mean, double std) {

  /** The paired difference of {@code a[i] - b[i]}. */
  public static PairedDifference of(double[] a, double[] b) {
    if (a.length != b.length || a.length == 0) {
      throw new IllegalArgumentException(
          "paired measurements must be non-empty and of one length: " + a.length + ", " + b.length);
    }
    int n = a.length;
    double sum = 0;
    for (int i = 0; i < n; i++) {
      sum += a[i] - b[i];
    }
    double mean = sum / n;
    double squares = 0;
    for (int i = 0; i < n; i++) {
      double d = a[i] - b[i] - mean;
      squares += d * d;
    }
    return new PairedDifference(n, mean, n > 1 ? Math.sqrt(squares / (n - 1)) : 0);
  }

  /** The standard error of the mean difference; NaN with fewer than two pairs. */
  public double standardError() {
    return pairs > 1 ? std / Math.sqrt(pairs) : Double.NaN;
  }

  /**
   * Whether the difference is within noise: fewer than two pairs, or a mean whose 95% confidence
   * interval (Student's t with pairs − 1 degrees of freedom: with 3 seeds 4.30 standard errors, not
   * 2) contains zero.
   */
  public boolean withinNoise() {
    return pairs < 2
        || Math.abs(mean) <= T_95[Math.min(pairs - 1, T_95.length - 1)] * standardError();
  }

  /** Two-sided 95% quantiles of Student's t by degrees of freedom (index 0 unused; last: ∞). */
  private static final double[] T_95 = {
    Double.NaN,
    12.706,
    4.303,
    3.182,
    2.776,
    2.571,
    2.447,
    2.365,
    2.306,
    2.262,
    2.228,
    2.201,
    2.179,
    2.160,
    2.145,
    2.131,
    2.120,
    2.110,
    2.101,
    2.093,
    2.086,
    2.080,
    2.074,
    2.069,
    2.064,
    2.060,
    2.056,
    2.052,
    2.048,
    2.045,
    2.042,
    1.960
  };
}
