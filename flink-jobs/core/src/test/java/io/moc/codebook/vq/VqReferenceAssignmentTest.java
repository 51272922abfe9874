package io.moc.codebook.vq;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.moc.codebook.Assignment;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The fast assignment (float encoder kernels, shortlisting search) gives the codes and error of the
 * plain computation on a random network: the encoder with every dot product in double, then a full
 * scan of each codebook by squared distance.
 */
class VqReferenceAssignmentTest {

  private static final int DIM = 48;
  private static final int HIDDEN = 40;
  private static final int LATENT = 12;
  private static final int M = 3;
  private static final int K = 32;

  private static float[] gaussian(Random random, int n, double scale) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (scale * random.nextGaussian());
    }
    return v;
  }

  private static VqCodebook randomCodebook(String method, Random random) {
    float[] std = new float[DIM];
    for (int j = 0; j < DIM; j++) {
      std[j] = 0.5f + random.nextFloat();
    }
    int heads = VqCodebook.MOC_HEADS.equals(method) ? M : 1;
    float[][] codebooks = new float[M][];
    for (int m = 0; m < M; m++) {
      codebooks[m] = gaussian(random, K * LATENT, 1);
    }
    return new VqCodebook(
        method,
        "model-x",
        K,
        gaussian(random, DIM, 0.1),
        std,
        gaussian(random, DIM * HIDDEN, 1 / Math.sqrt(DIM)),
        gaussian(random, HIDDEN, 0.1),
        gaussian(random, HIDDEN * heads * LATENT, 1 / Math.sqrt(HIDDEN)),
        gaussian(random, heads * LATENT, 0.1),
        codebooks);
  }

  /** out = relu? (x · w + b), with w input-major and the dot products in double. */
  private static float[] layer(float[] w, float[] b, float[] x, boolean relu) {
    float[] y = new float[b.length];
    for (int r = 0; r < b.length; r++) {
      double sum = 0;
      for (int j = 0; j < x.length; j++) {
        sum += (double) w[j * b.length + r] * x[j];
      }
      y[r] = (float) sum + b[r];
      if (relu && !(y[r] > 0f)) {
        y[r] = 0f;
      }
    }
    return y;
  }

  private static Assignment reference(VqCodebook codebook, float[] embedding) {
    float[] x = new float[DIM];
    for (int j = 0; j < DIM; j++) {
      x[j] = (embedding[j] - codebook.mean()[j]) / codebook.std()[j];
    }
    float[] latent =
        layer(codebook.w2(), codebook.b2(), layer(codebook.w1(), codebook.b1(), x, true), false);
    float[] z = latent;
    int[] codes = new int[M];
    double error = 0;
    for (int m = 0; m < M; m++) {
      if (codebook.heads() > 1) {
        z = java.util.Arrays.copyOfRange(latent, m * LATENT, (m + 1) * LATENT);
      }
      float[] c = codebook.codebook(m);
      double best = Double.POSITIVE_INFINITY;
      for (int k = 0; k < K; k++) {
        double distance = 0;
        for (int j = 0; j < LATENT; j++) {
          double diff = z[j] - c[k * LATENT + j];
          distance += diff * diff;
        }
        if (distance < best) {
          best = distance;
          codes[m] = k;
        }
      }
      error += best;
      if (codebook.residual()) {
        for (int j = 0; j < LATENT; j++) {
          z[j] -= c[codes[m] * LATENT + j];
        }
      }
    }
    return new Assignment(codes, (float) (error / M));
  }

  @ParameterizedTest
  @ValueSource(strings = {"moc", "moc-heads", "rqvae"})
  void shouldAssignTheCodesAndErrorOfThePlainComputation(String method) {
    Random random = new Random(11);
    VqCodebook codebook = randomCodebook(method, random);
    for (int i = 0; i < 2000; i++) {
      float[] x = gaussian(random, DIM, 1);
      Assignment expected = reference(codebook, x);
      Assignment actual = codebook.assign(x);
      assertArrayEquals(expected.codes(), actual.codes(), "item " + i);
      assertEquals(expected.error(), actual.error(), 1e-4 * expected.error(), "item " + i);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"moc", "moc-heads", "rqvae"})
  void shouldAssignABatchExactlyAsOneItemAtATime(String method) {
    Random random = new Random(13);
    VqCodebook codebook = randomCodebook(method, random);
    for (int count : new int[] {1, 3, 16, 37}) {
      float[][] batch = new float[count + 2][];
      for (int i = 0; i < batch.length; i++) {
        batch[i] = gaussian(random, DIM, 1);
      }
      Assignment[] actual = codebook.assign(batch, count);
      assertEquals(count, actual.length, "only the first count embeddings");
      for (int i = 0; i < count; i++) {
        Assignment expected = codebook.assign(batch[i]);
        assertArrayEquals(expected.codes(), actual[i].codes(), count + ": item " + i);
        assertEquals(expected.error(), actual[i].error(), 0f, count + ": item " + i);
      }
    }
  }
}
