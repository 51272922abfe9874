package io.moc.report;

import java.util.Arrays;

/**
 * A figure over seeds: its mean and sample standard deviation (0 for one seed), or both null when
 * no seed measured it, so that a report says "not measured" rather than 0.
 */
public record MeanStd(Double mean, Double std) {

  /** Not measured by any seed. */
  public static final MeanStd NONE = new MeanStd(null, null);

  /** The mean and sample standard deviation of {@code values}; {@link #NONE} when empty. */
  public static MeanStd of(double[] values) {
    if (values.length == 0) {
      return NONE;
    }
    double mean = Arrays.stream(values).average().orElseThrow();
    double squares = Arrays.stream(values).map(x -> (x - mean) * (x - mean)).sum();
    return new MeanStd(mean, values.length < 2 ? 0 : Math.sqrt(squares / (values.length - 1)));
  }

  /** Whether some seed measured it. */
  public boolean measured() {
    return mean != null;
  }

  /** The mean, NaN when not measured (which a figure leaves out). */
  public double meanOrNaN() {
    return mean == null ? Double.NaN : mean;
  }
}
