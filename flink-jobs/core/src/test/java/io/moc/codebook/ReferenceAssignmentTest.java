package io.moc.codebook;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.moc.codebook.methods.CodebookMethods;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The fast assignment (stacked or skipped projections, shortlisting search) gives the codes and
 * error of the plain computation: each projection as a matrix product, then a full k-means scan.
 */
class ReferenceAssignmentTest {

  // Not divisible by 3: the last product-quantization sub-vector has a zero row.
  private static final int DIM = 40;

  private static List<float[]> gaussian(int n, long seed) {
    Random random = new Random(seed);
    List<float[]> points = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      float[] x = new float[DIM];
      for (int j = 0; j < DIM; j++) {
        x[j] = (float) random.nextGaussian();
      }
      points.add(x);
    }
    return points;
  }

  private static Assignment reference(ProjectedKMeansCodebook codebook, float[] x) {
    int d = codebook.projectedDimension();
    int k = codebook.codebookSize();
    int[] codes = new int[codebook.numCodebooks()];
    float error = 0f;
    for (int m = 0; m < codes.length; m++) {
      float[] z = new float[d];
      ProjectedKMeansCodebook.project(codebook.projections()[m], x, DIM, d, z, 0);
      float[] centroids = codebook.centroids()[m];
      codes[m] = KMeans.nearest(centroids, k, d, z, 0);
      error += KMeans.squaredDistance(centroids, codes[m] * d, z, 0, d);
    }
    return new Assignment(codes, error / codes.length);
  }

  /**
   * Items halfway between two codes of every codebook, for kmeans and pq, whose projections select
   * coordinates: near-ties, which the exact distance has to decide.
   */
  private static List<float[]> halfway(ProjectedKMeansCodebook codebook) {
    List<float[]> items = new ArrayList<>();
    int d = codebook.projectedDimension();
    Random random = new Random(2);
    for (int i = 0; i < 300; i++) {
      float[] x = new float[DIM];
      for (int m = 0; m < codebook.numCodebooks(); m++) {
        float[] c = codebook.centroids()[m];
        int a = random.nextInt(codebook.codebookSize());
        int b = random.nextInt(codebook.codebookSize());
        for (int r = 0; r < d && m * d + r < DIM; r++) {
          x[m * d + r] = (c[a * d + r] + c[b * d + r]) / 2;
        }
      }
      items.add(x);
    }
    return items;
  }

  @ParameterizedTest
  @ValueSource(strings = {"kmeans", "pq", "projected-kmeans"})
  void shouldAssignTheCodesAndErrorOfThePlainComputation(String method) {
    List<float[]> data = gaussian(600, 1);
    ProjectedKMeansCodebook codebook =
        (ProjectedKMeansCodebook) CodebookMethods.trainer(method, 3, 32, 8, 5, 1).train("m", data);
    List<float[]> items = new ArrayList<>(gaussian(1000, 2));
    if (!method.equals(ProjectedKMeansCodebook.METHOD)) {
      items.addAll(halfway(codebook));
    }
    for (float[] x : items) {
      Assignment expected = reference(codebook, x);
      Assignment actual = codebook.assign(x);
      assertArrayEquals(expected.codes(), actual.codes());
      assertEquals(expected.error(), actual.error(), 1e-4 * expected.error());
    }
  }
}
