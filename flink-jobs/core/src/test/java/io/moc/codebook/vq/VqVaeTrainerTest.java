package io.moc.codebook.vq;

import static io.moc.codebook.ClusteredData.clustered;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moc.codebook.Assignment;
import io.moc.codebook.Codebook;
import io.moc.codebook.CodebookCodec;
import io.moc.codebook.CorruptArtifacts;
import io.moc.testing.OneTorchThread;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@ExtendWith(OneTorchThread.class)
class VqVaeTrainerTest {

  private static final int DIM = 32;
  private static final int CLUSTERS = 16;
  private static final VqVaeConfig CONFIG =
      VqVaeConfig.defaults()
          .withHiddenSize(64)
          .withLatentSize(16)
          .withCodebooks(3, CLUSTERS)
          .withEpochs(1, 15)
          .withSeed(7);

  private static final List<float[]> DATA = clustered(1600, DIM, CLUSTERS, 0.05, 3, 11);
  private static final Map<String, VqVaeTrainer.Result> TRAINED = new TreeMap<>();

  @BeforeAll
  static void trainOncePerMethod() {
    for (String method : VqCodebook.METHODS) {
      TRAINED.put(method, VqVaeTrainer.create(method, CONFIG).fit("model-x", DATA));
    }
  }

  private static List<float[]> gaussian(int n, int dim, long seed) {
    Random random = new Random(seed);
    List<float[]> points = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      float[] x = new float[dim];
      for (int j = 0; j < dim; j++) {
        x[j] = (float) (2 * random.nextGaussian());
      }
      points.add(x);
    }
    return points;
  }

  @ParameterizedTest
  @ValueSource(strings = {"moc", "moc-heads", "rqvae"})
  void shouldTrainTheSameArtifactBytesTwiceForTheSameSeed(String method) {
    VqVaeTrainer.Result again = VqVaeTrainer.create(method, CONFIG).fit("model-x", DATA);
    VqVaeTrainer.Result first = TRAINED.get(method);
    assertArrayEquals(
        CodebookCodec.serialize(first.codebook()), CodebookCodec.serialize(again.codebook()));
    assertArrayEquals(first.reconstructionLoss(), again.reconstructionLoss());
    assertArrayEquals(first.deadCodes(), again.deadCodes());
  }

  @Test
  void shouldTrainOnAThreadOfItsOwnAsTheIndexingJobsWorkerDoes() throws Exception {
    // PyTorch's grad mode is per thread and on in a new one: the in-place updates must not care.
    VqVaeTrainer trainer = VqVaeTrainer.moc(CONFIG.withEpochs(1, 1));
    java.util.concurrent.CompletableFuture<VqCodebook> trained =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () -> trainer.train("model-x", DATA),
            runnable -> new Thread(runnable, "fresh-trainer-thread").start());
    VqCodebook codebook = trained.get(2, java.util.concurrent.TimeUnit.MINUTES);
    assertEquals(CONFIG.numCodebooks(), codebook.numCodebooks());
    assertArrayEquals(
        CodebookCodec.serialize(VqVaeTrainer.moc(CONFIG.withEpochs(1, 1)).train("model-x", DATA)),
        CodebookCodec.serialize(codebook),
        "the same codebook as on the calling thread");
  }

  @Test
  void shouldTrainADifferentModelForAnotherSeed() {
    VqCodebook other = VqVaeTrainer.moc(CONFIG.withSeed(8).withEpochs(1, 2)).train("model-x", DATA);
    assertTrue(
        !Arrays.equals(
            CodebookCodec.serialize(TRAINED.get("moc").codebook()),
            CodebookCodec.serialize(other)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"moc", "moc-heads", "rqvae"})
  void shouldLowerTheReconstructionLossOverTraining(String method) {
    double[] loss = TRAINED.get(method).reconstructionLoss();
    assertEquals(CONFIG.warmupEpochs() + CONFIG.epochs(), loss.length);
    int firstQuantized = CONFIG.warmupEpochs();
    double last = loss[loss.length - 1];
    assertTrue(
        last < 0.5 * loss[firstQuantized] && last < 0.5 * loss[0],
        method + " reconstruction loss per epoch " + Arrays.toString(loss));
    for (double l : TRAINED.get(method).totalLoss()) {
      assertTrue(Double.isFinite(l), "total loss " + l);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"moc", "moc-heads", "rqvae"})
  void shouldUseAtLeastNinetyPercentOfEveryCodebookOnClusteredData(String method) {
    VqCodebook codebook = TRAINED.get(method).codebook();
    boolean[][] used = new boolean[codebook.numCodebooks()][codebook.codebookSize()];
    for (float[] x : DATA) {
      int[] codes = codebook.assign(x).codes();
      for (int m = 0; m < codes.length; m++) {
        used[m][codes[m]] = true;
      }
    }
    for (int m = 0; m < used.length; m++) {
      int count = 0;
      for (boolean u : used[m]) {
        count += u ? 1 : 0;
      }
      assertTrue(
          count >= 0.9 * codebook.codebookSize(),
          method + " codebook " + m + " uses " + count + " of " + codebook.codebookSize());
    }
  }

  @Test
  void shouldSeparateTheClustersWithMixtureOfCodes() {
    // Items of one cluster share their first code and different clusters rarely do.
    VqCodebook codebook = TRAINED.get("moc").codebook();
    Map<Integer, Integer> codeOfCluster = new TreeMap<>();
    int disagreements = 0;
    for (int i = 0; i < DATA.size(); i++) {
      int code = codebook.assign(DATA.get(i)).codes()[0];
      Integer previous = codeOfCluster.putIfAbsent(i % CLUSTERS, code);
      if (previous != null && previous != code) {
        disagreements++;
      }
    }
    assertTrue(disagreements <= DATA.size() / 100, "disagreements " + disagreements);
    assertTrue(
        codeOfCluster.values().stream().distinct().count() >= CLUSTERS - 1,
        "codes of clusters " + codeOfCluster);
  }

  @ParameterizedTest
  @ValueSource(strings = {"moc", "moc-heads", "rqvae"})
  void shouldAssignExactlyTheCodesOfTheTrainedDjlModel(String method) {
    VqVaeTrainer.Result result = TRAINED.get(method);
    VqCodebook codebook = result.codebook();
    // The training items, as the trained model itself coded them at the end of training.
    assertSameCodes(codebook, DATA, result.trainingCodes(), method + " training items");
    // Fresh items of the same clusters and items from nowhere near them, through DJL.
    List<float[]> fresh = clustered(1000, DIM, CLUSTERS, 0.05, 3, 99);
    assertSameCodes(codebook, fresh, VqVaeTrainer.djlCodes(codebook, fresh), method + " fresh");
    List<float[]> noise = gaussian(1000, DIM, 5);
    assertSameCodes(codebook, noise, VqVaeTrainer.djlCodes(codebook, noise), method + " noise");
  }

  /**
   * Java's codes must be DJL's. The only tolerated difference is a float near-tie: two codes whose
   * distances differ by less than float32 rounding of the encoder can flip. None occur on these
   * data; the message reports the rate if one ever does.
   */
  private static void assertSameCodes(
      VqCodebook codebook, List<float[]> items, int[][] djl, String what) {
    int mismatches = 0;
    int nearTies = 0;
    for (int i = 0; i < items.size(); i++) {
      int[] java = codebook.assign(items.get(i)).codes();
      if (Arrays.equals(java, djl[i])) {
        continue;
      }
      mismatches++;
      float[] target = codebook.encode(items.get(i));
      for (int m = 0; m < java.length; m++) {
        float[] a = codebook.codeVector(m, java[m]);
        if (java[m] != djl[i][m]) {
          float[] b = codebook.codeVector(m, djl[i][m]);
          int d = a.length;
          float[] t =
              codebook.heads() > 1 ? Arrays.copyOfRange(target, m * d, (m + 1) * d) : target;
          double da = squaredDistance(t, a);
          double db = squaredDistance(t, b);
          double scale = squaredNorm(t) + squaredNorm(a) + squaredNorm(b);
          if (Math.abs(da - db) <= 1e-5 * scale) {
            nearTies++;
          }
          break;
        }
        if (codebook.residual()) {
          for (int j = 0; j < target.length; j++) {
            target[j] -= a[j];
          }
        }
      }
    }
    assertEquals(
        0,
        mismatches,
        what
            + ": "
            + mismatches
            + " of "
            + items.size()
            + " items coded differently by Java and DJL, "
            + nearTies
            + " of them at float near-ties");
  }

  private static double squaredDistance(float[] a, float[] b) {
    double sum = 0;
    for (int j = 0; j < a.length; j++) {
      double diff = a[j] - b[j];
      sum += diff * diff;
    }
    return sum;
  }

  private static double squaredNorm(float[] a) {
    double sum = 0;
    for (float v : a) {
      sum += (double) v * v;
    }
    return sum;
  }

  @ParameterizedTest
  @ValueSource(strings = {"moc", "moc-heads", "rqvae"})
  void shouldRoundTripThroughTheArtifactWithTheSameCodes(String method) {
    VqCodebook codebook = TRAINED.get(method).codebook();
    byte[] artifact = CodebookCodec.serialize(codebook);
    Codebook decoded = CodebookCodec.deserialize(method, artifact);
    assertEquals(method, decoded.method());
    assertEquals("model-x", decoded.embeddingModel());
    assertEquals(DIM, decoded.dimension());
    assertEquals(3, decoded.numCodebooks());
    assertEquals(CLUSTERS, decoded.codebookSize());
    assertArrayEquals(artifact, CodebookCodec.serialize(decoded));
    List<float[]> items = new ArrayList<>(DATA.subList(0, 400));
    items.addAll(gaussian(200, DIM, 6));
    for (float[] x : items) {
      Assignment expected = codebook.assign(x);
      Assignment actual = decoded.assign(x);
      assertArrayEquals(expected.codes(), actual.codes());
      assertEquals(expected.error(), actual.error(), 0f);
      assertArrayEquals(codebook.represent(x), decoded.represent(x), 0f);
    }
  }

  @Test
  void shouldRejectTruncatedCorruptOrMislabelledArtifacts() {
    byte[] artifact = CodebookCodec.serialize(TRAINED.get("moc").codebook());
    byte[] truncated = Arrays.copyOf(artifact, artifact.length - 9);
    assertThrows(IllegalArgumentException.class, () -> CodebookCodec.deserialize("moc", truncated));
    byte[] nan = CorruptArtifacts.withLastFloatNaN(artifact);
    assertThrows(IllegalArgumentException.class, () -> CodebookCodec.deserialize("moc", nan));
    assertThrows(
        IllegalArgumentException.class, () -> CodebookCodec.deserialize("rqvae", artifact));
  }

  @Test
  void shouldRejectAnArtifactDeclaringMoreValuesThanItHoldsWithoutAllocatingThem()
      throws Exception {
    byte[] header = CorruptArtifacts.headerOnly("moc", 8192, 64, 65536, 8192, 8192);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> CodebookCodec.deserialize("moc", header));
    assertTrue(e.getMessage().contains("too short"), e.getMessage());
  }

  @Test
  void shouldReduceTheResidualAtEveryRqvaeLevel() {
    VqCodebook codebook = TRAINED.get("rqvae").codebook();
    int levels = codebook.numCodebooks();
    double[] residual = new double[levels + 1];
    for (float[] x : DATA) {
      float[] r = codebook.encode(x);
      int[] codes = codebook.assign(x).codes();
      residual[0] += squaredNorm(r);
      for (int m = 0; m < levels; m++) {
        float[] c = codebook.codeVector(m, codes[m]);
        for (int j = 0; j < r.length; j++) {
          r[j] -= c[j];
        }
        residual[m + 1] += squaredNorm(r);
      }
    }
    for (int m = 0; m < levels; m++) {
      assertTrue(
          residual[m + 1] < residual[m],
          "mean squared residual per level " + Arrays.toString(residual));
    }
    // The first level alone already captures the clusters.
    assertTrue(residual[1] < 0.5 * residual[0], "residuals " + Arrays.toString(residual));
  }

  @ParameterizedTest
  @ValueSource(strings = {"moc", "moc-heads", "rqvae"})
  void shouldRepresentAnItemByItsChosenCodeVectorsConcatenated(String method) {
    VqCodebook codebook = TRAINED.get(method).codebook();
    float[] x = DATA.get(5);
    int[] codes = codebook.assign(x).codes();
    float[] representation = codebook.represent(x);
    assertEquals(codebook.numCodebooks() * codebook.latentSize(), representation.length);
    for (int m = 0; m < codes.length; m++) {
      assertArrayEquals(
          codebook.codeVector(m, codes[m]),
          Arrays.copyOfRange(
              representation, m * codebook.latentSize(), (m + 1) * codebook.latentSize()));
    }
  }

  /** Every item of an even cluster 2c with the next item, of cluster 2c + 1: texts apart. */
  private static int[][] clicksAcrossClusterPairs() {
    List<int[]> pairs = new ArrayList<>();
    for (int i = 0; i + 1 < DATA.size(); i++) {
      if (i % CLUSTERS % 2 == 0) {
        pairs.add(new int[] {i, i + 1});
      }
    }
    return pairs.toArray(int[][]::new);
  }

  /**
   * Mean squared distance between the chosen code vectors of co-clicked items, over that between
   * items of the same two clusters' unclicked neighbours (2c against 2c + 2).
   */
  private static double clickedOverUnclickedDistance(VqCodebook codebook, int[][] pairs) {
    double clicked = 0;
    double unclicked = 0;
    for (int[] pair : pairs) {
      float[] a = codebook.represent(DATA.get(pair[0]));
      clicked += squaredDistance(a, codebook.represent(DATA.get(pair[1])));
      int other = pair[0] + 2 < DATA.size() ? pair[0] + 2 : pair[0] - 2;
      unclicked += squaredDistance(a, codebook.represent(DATA.get(other)));
    }
    return clicked / unclicked;
  }

  @Test
  void shouldPullTogetherTheCodesOfItemsClickedTogether() {
    int[][] pairs = clicksAcrossClusterPairs();
    VqCodebook withClicks =
        VqVaeTrainer.moc(CONFIG.withCoClicks(1f, 0.1f)).fit("model-x", DATA, pairs).codebook();
    double without = clickedOverUnclickedDistance(TRAINED.get("moc").codebook(), pairs);
    double with = clickedOverUnclickedDistance(withClicks, pairs);
    System.out.printf("clicked/unclicked distance without %.4f with %.4f%n", without, with);
    assertTrue(without > 0.8, "without the term, clicked clusters are as far as any: " + without);
    assertTrue(with < 0.5 * without, "with co-clicks " + with + ", without " + without);
  }

  @Test
  void shouldIgnoreCoClicksAtWeightZero() {
    VqVaeTrainer trainer = VqVaeTrainer.moc(CONFIG.withEpochs(1, 2));
    assertArrayEquals(
        CodebookCodec.serialize(trainer.train("model-x", DATA)),
        CodebookCodec.serialize(
            trainer.fit("model-x", DATA, clicksAcrossClusterPairs()).codebook()));
  }

  @Test
  void shouldRefuseCoClickPairsOutsideTheSample() {
    VqVaeTrainer trainer = VqVaeTrainer.moc(CONFIG.withCoClicks(1f, 0.1f));
    for (int[] bad : List.of(new int[] {0, DATA.size()}, new int[] {-1, 0}, new int[] {0})) {
      assertThrows(
          IllegalArgumentException.class,
          () -> trainer.fit("model-x", DATA, new int[][] {bad}),
          Arrays.toString(bad));
    }
    assertThrows(IllegalArgumentException.class, () -> CONFIG.withCoClicks(-1f, 0.1f));
    assertThrows(IllegalArgumentException.class, () -> CONFIG.withCoClicks(1f, 0f));
  }

  @Test
  void shouldRefuseUnknownMethodsBadSamplesAndWrongDimensions() {
    assertThrows(IllegalArgumentException.class, () -> VqVaeTrainer.create("pq", CONFIG));
    VqVaeTrainer trainer = VqVaeTrainer.moc(CONFIG);
    assertThrows(IllegalArgumentException.class, () -> trainer.train("m", List.of()));
    assertThrows(
        IllegalArgumentException.class,
        () -> trainer.train("m", List.of(new float[4], new float[5])));
    assertThrows(
        IllegalArgumentException.class,
        () -> trainer.train("m", List.of(new float[] {1, Float.NaN})));
    VqCodebook codebook = TRAINED.get("moc").codebook();
    assertThrows(IllegalArgumentException.class, () -> codebook.assign(new float[DIM - 1]));
  }
}
