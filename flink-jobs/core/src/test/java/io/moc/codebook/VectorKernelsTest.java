package io.moc.codebook;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The kernels add their terms in the plain loop's order, so their results are bit-identical. */
class VectorKernelsTest {

  private static float[] gaussian(Random random, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) random.nextGaussian();
    }
    return v;
  }

  private static float[] plain(float[][] columns, float[] x, float[] start) {
    float[] acc = start.clone();
    for (int j = 0; j < columns.length; j++) {
      for (int r = 0; r < acc.length; r++) {
        acc[r] += columns[j][r] * x[j];
      }
    }
    return acc;
  }

  // Lengths that leave a tail of 0 to 3 columns after the blocks of four.
  @ParameterizedTest
  @CsvSource({"8,5,4", "13,33,1", "6,256,7", "3,9,2"})
  void shouldAccumulateABatchBitForBitAsThePlainLoopDoesEachInput(
      int inputs, int outputs, int count) {
    Random random = new Random(inputs * 31L + outputs);
    float[][] columns = new float[inputs][];
    for (int j = 0; j < inputs; j++) {
      columns[j] = gaussian(random, outputs);
    }
    float[][] xs = new float[count][];
    float[][] accs = new float[count][];
    float[][] expected = new float[count][];
    for (int i = 0; i < count; i++) {
      xs[i] = gaussian(random, inputs);
      accs[i] = gaussian(random, outputs);
      expected[i] = plain(columns, xs[i], accs[i]);
      float[] single = accs[i].clone();
      VectorKernels.accumulate(columns, xs[i], single, outputs);
      assertArrayEquals(expected[i], single, 0f, "one input");
    }
    VectorKernels.accumulate(columns, xs, accs, count, outputs);
    for (int i = 0; i < count; i++) {
      assertArrayEquals(expected[i], accs[i], 0f, "input " + i + " of the batch");
    }
  }
}
