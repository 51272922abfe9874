package io.moc.codebook;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The shortlisting search picks exactly what a full scan with the exact distance picks. */
class NearestCodeTest {

  private static final int K = 64;
  private static final int D = 24;

  private static float[] randomCodebook(Random random) {
    float[] codes = new float[K * D];
    for (int i = 0; i < codes.length; i++) {
      codes[i] = (float) random.nextGaussian();
    }
    // Duplicate codes: exact ties, which a full scan breaks towards the lowest index.
    System.arraycopy(codes, 5 * D, codes, 40 * D, D);
    System.arraycopy(codes, 7 * D, codes, 3 * D, D);
    return codes;
  }

  /** Random targets, targets halfway between two codes (near-ties) and the codes themselves. */
  private static List<float[]> targets(float[] codes, Random random) {
    List<float[]> targets = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      float[] z = new float[D];
      for (int j = 0; j < D; j++) {
        z[j] = (float) (2 * random.nextGaussian());
      }
      targets.add(z);
    }
    for (int i = 0; i < 300; i++) {
      int a = random.nextInt(K);
      int b = random.nextInt(K);
      float[] z = new float[D];
      for (int j = 0; j < D; j++) {
        z[j] = (codes[a * D + j] + codes[b * D + j]) / 2;
      }
      targets.add(z);
    }
    for (int c = 0; c < K; c++) {
      float[] z = new float[D];
      System.arraycopy(codes, c * D, z, 0, D);
      targets.add(z);
    }
    return targets;
  }

  private static int fullScan(NearestCode.Distance distance, int codebook) {
    int best = 0;
    double bestDistance = Double.POSITIVE_INFINITY;
    for (int c = 0; c < K; c++) {
      double d = distance.distance(codebook, c);
      if (d < bestDistance) {
        bestDistance = d;
        best = c;
      }
    }
    return best;
  }

  @Test
  void shouldPickTheCodeOfAFullScanWithTheFloatSquaredDistance() {
    Random random = new Random(3);
    float[] codes = randomCodebook(random);
    NearestCode search = new NearestCode(new float[][] {codes}, K, D);
    int[] found = new int[1];
    for (float[] z : targets(codes, random)) {
      NearestCode.Distance distance = (m, c) -> KMeans.squaredDistance(codes, c * D, z, 0, D);
      search.nearest(z, search.scratch(), found, 0, distance);
      assertEquals(fullScan(distance, 0), found[0]);
    }
  }

  @Test
  void shouldPickTheCodeOfAFullScanInEveryCodebookSearchedTogether() {
    Random random = new Random(4);
    float[][] codebooks = {randomCodebook(random), randomCodebook(random), randomCodebook(random)};
    NearestCode search = new NearestCode(codebooks, K, D);
    int[] found = new int[4];
    for (float[] z : targets(codebooks[1], random)) {
      // ‖c‖² − 2 z·c with z·c in double, the distance the VQ-VAE codebooks decide by.
      NearestCode.Distance distance =
          (m, c) -> {
            double dot = 0;
            double norm = 0;
            for (int j = 0; j < D; j++) {
              float v = codebooks[m][c * D + j];
              dot += v * (double) z[j];
              norm += (double) v * v;
            }
            return (float) norm - 2f * (float) dot;
          };
      search.nearest(z, search.scratch(), found, 1, distance);
      for (int m = 0; m < codebooks.length; m++) {
        assertEquals(fullScan(distance, m), found[1 + m], "codebook " + m);
      }
    }
  }

  @Test
  void shouldFallBackToCodeZeroLikeAFullScanForNonFiniteTargets() {
    float[] codes = randomCodebook(new Random(5));
    NearestCode search = new NearestCode(new float[][] {codes}, K, D);
    float[] z = new float[D];
    z[3] = Float.NaN;
    int[] found = {-1};
    search.nearest(
        z, search.scratch(), found, 0, (m, c) -> KMeans.squaredDistance(codes, c * D, z, 0, D));
    assertEquals(0, found[0]);
  }
}
