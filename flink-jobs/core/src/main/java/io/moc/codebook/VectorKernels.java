package io.moc.codebook;

/**
 * Matrix-vector kernels for code assignment, written so that C2 auto-vectorises them on Java 17.
 *
 * <p>Matrices are held as one array per input coordinate ("columns" of the product), each indexed
 * from 0: Java 17's SuperWord only packs loads and stores of one element type whose offsets it can
 * prove equally aligned, so {@code acc[r] += w[row + r] * x} over one flat array stays scalar while
 * {@code acc[r] += column[r] * x} becomes SIMD. Four columns are folded per sweep over {@code acc}
 * to cut its loads and stores; six or eight measured several times slower on Java 17.
 *
 * <p>The kernel adds the terms of each output in ascending input order, left to right, exactly as
 * the plain loop {@code for j: acc[r] += w[j][r] * x[j]} does, so results are bit-identical to it.
 * Zero inputs (half the hidden units after ReLU) are not skipped: testing for them costs more in
 * mispredicted branches than their products do.
 */
public final class VectorKernels {

  private VectorKernels() {}

  /**
   * Splits a row-major {@code rows × cols} matrix M into {@code cols} arrays of length {@code
   * rows}, array j holding column j: the layout {@link #accumulate} needs for y = M x.
   */
  public static float[][] columns(float[] matrix, int rows, int cols) {
    float[][] out = new float[cols][rows];
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < cols; j++) {
        out[j][r] = matrix[r * cols + j];
      }
    }
    return out;
  }

  /**
   * Splits an input-major {@code in × out} matrix W into its {@code in} rows: the layout {@link
   * #accumulate} needs for y = x W.
   */
  public static float[][] rows(float[] matrix, int in, int out) {
    float[][] rows = new float[in][];
    for (int j = 0; j < in; j++) {
      rows[j] = java.util.Arrays.copyOfRange(matrix, j * out, (j + 1) * out);
    }
    return rows;
  }

  /**
   * {@code acc[r] += Σ_j columns[j][r] · x[j]} in float for r < n, over j < columns.length
   * ascending.
   */
  public static void accumulate(float[][] columns, float[] x, float[] acc, int n) {
    accumulate(columns, new float[][] {x}, new float[][] {acc}, 1, n);
  }

  /**
   * {@link #accumulate} for {@code count} inputs at once: {@code accs[i][r] += Σ_j columns[j][r] ·
   * xs[i][j]}, each output bit-identical to {@link #accumulate} of its own input.
   *
   * <p>Why: one input's product streams the whole matrix through the cache for few operations per
   * value (for a 384 × 256 encoder layer and 7 × 256 codes of 64 dimensions, more than L2 holds),
   * so a single product waits on memory. Here a block of four columns, once loaded, serves every
   * input of the batch from L1.
   */
  public static void accumulate(float[][] columns, float[][] xs, float[][] accs, int count, int n) {
    int length = columns.length;
    int j = 0;
    for (; j + 3 < length; j += 4) {
      float[] a = columns[j];
      float[] b = columns[j + 1];
      float[] c = columns[j + 2];
      float[] d = columns[j + 3];
      for (int i = 0; i < count; i++) {
        float[] x = xs[i];
        float[] acc = accs[i];
        float xa = x[j];
        float xb = x[j + 1];
        float xc = x[j + 2];
        float xd = x[j + 3];
        for (int r = 0; r < n; r++) {
          acc[r] = acc[r] + a[r] * xa + b[r] * xb + c[r] * xc + d[r] * xd;
        }
      }
    }
    for (; j < length; j++) {
      float[] a = columns[j];
      for (int i = 0; i < count; i++) {
        float[] acc = accs[i];
        float xa = xs[i][j];
        for (int r = 0; r < n; r++) {
          acc[r] += a[r] * xa;
        }
      }
    }
  }
}
