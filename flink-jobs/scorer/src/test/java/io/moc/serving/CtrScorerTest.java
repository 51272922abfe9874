package io.moc.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moc.avro.ItemCodes;
import io.moc.ctr.online.ModelArtifact;
import io.moc.ctr.online.ModelSnapshotEntry;
import io.moc.ctr.online.OnlineCtrTrainer;
import io.moc.ctr.online.SyntheticStream;
import io.moc.testing.OneTorchThread;
import io.moc.util.Sha256;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

@ExtendWith(OneTorchThread.class)
class CtrScorerTest {

  private static final long VERSION = SyntheticStream.VERSION;
  private static final int COLD_ITEMS = 20;

  /** A model trained on 1000 impressions of the synthetic catalogue, and that catalogue. */
  private static OnlineCtrTrainer trainer;

  private static SyntheticStream stream;

  @TempDir Path store;

  @BeforeAll
  static void train() {
    stream = new SyntheticStream(21);
    trainer =
        OnlineCtrTrainer.create(
            SyntheticStream.config().build(),
            SyntheticStream.CONTRACT,
            SyntheticStream.settings().build());
    stream.next(1000).forEach(trainer::accept);
  }

  @AfterAll
  static void close() {
    trainer.close();
  }

  static ItemCodes codes(String itemId, long version, int... codes) {
    return ItemCodes.newBuilder()
        .setItemId(itemId)
        .setCodebookVersion(version)
        .setCodes(Arrays.stream(codes).boxed().toList())
        .setQuantizationError(0.25f)
        .setItemEventTime(Instant.ofEpochMilli(1000))
        .setCodedTime(Instant.ofEpochMilli(2000))
        .build();
  }

  /** Every catalogue item, then items no impression ever showed: they have codes only. */
  private static Map<String, int[]> catalogue() {
    Map<String, int[]> all = new LinkedHashMap<>(stream.codes);
    Random random = new Random(7);
    for (int i = 0; i < COLD_ITEMS; i++) {
      all.put("cold-" + i, random.ints(SyntheticStream.M, 0, SyntheticStream.K).toArray());
    }
    return all;
  }

  private static Map<String, ItemCodes> published(Map<String, int[]> catalogue) {
    Map<String, ItemCodes> published = new LinkedHashMap<>();
    catalogue.forEach((item, c) -> published.put(item, codes(item, VERSION, c)));
    return published;
  }

  /** Writes the trainer's artifact as the training job does and announces it. */
  private ModelSnapshotEntry publish(long modelVersion, byte[] artifact) throws IOException {
    Path file = store.resolve(String.format("model-v%06d.bin", modelVersion));
    Files.write(file, artifact);
    ModelSnapshotEntry entry = new ModelSnapshotEntry();
    entry.version = modelVersion;
    entry.codebookVersion = VERSION;
    entry.createdTime = 123;
    entry.examplesSeen = trainer.examplesSeen();
    entry.artifactUri = file.toUri().toString();
    entry.sha256 = Sha256.hex(artifact);
    entry.setMetrics(Map.of("prequential_auc", trainer.windowAuc()));
    return entry;
  }

  @Test
  void scoresEqualTheTrainersExactlyForClickedAndColdItems() throws IOException {
    ModelSnapshotEntry entry = publish(4, trainer.artifact().toBytes());
    Map<String, int[]> catalogue = catalogue();
    byte[] read = ArtifactOpener.local().read(entry.artifactUri);
    try (CtrScorer scorer = CtrScorer.of(entry, read, published(catalogue))) {
      assertEquals(4, scorer.modelVersion());
      assertEquals(VERSION, scorer.codebookVersion());
      assertEquals(SyntheticStream.CONTRACT, scorer.contract());
      assertEquals(SyntheticStream.ITEMS + COLD_ITEMS, scorer.itemsKnown());
      assertEquals(0, scorer.itemsOfOtherVersions());
      List<String> items = new ArrayList<>(catalogue.keySet());
      for (String user : List.of("user-0", "user-17", "someone-new")) {
        for (String item : items) {
          assertTrue(scorer.canScore(item), item);
          assertEquals(
              Float.floatToIntBits(trainer.score(user, item, catalogue.get(item))),
              Float.floatToIntBits(scorer.score(user, item)),
              user + " on " + item);
        }
        // A ranking request is one model call, as the trainer's batch is.
        float[] expected =
            trainer.score(
                items.stream().map(i -> user).toArray(String[]::new),
                items.toArray(String[]::new),
                items.stream().map(catalogue::get).toArray(int[][]::new));
        assertArrayEquals(expected, scorer.score(user, items));
      }
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = io.moc.ctr.model.CtrModelConfig.ItemRepresentation.class,
      names = {"CODE_VECTORS", "CODES_AND_CODE_VECTORS"})
  void scoresACodeVectorsModelFromTheItemsCodesAloneAsItsTrainerDoes(
      io.moc.ctr.model.CtrModelConfig.ItemRepresentation representation) throws IOException {
    // The adapter over the codebook's vectors of the item's codes: the vectors travel in the
    // artifact, nothing but the codes per item.
    int width = 5;
    Random random = new Random(3);
    float[][] vectors = new float[SyntheticStream.M][SyntheticStream.K * width];
    for (float[] v : vectors) {
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) random.nextGaussian();
      }
    }
    try (OnlineCtrTrainer codeVectors =
        OnlineCtrTrainer.create(
            SyntheticStream.CONTRACT
                .modelConfig(representation)
                .denseDimension(SyntheticStream.M * width)
                .embeddingDim(8)
                .mlpSizes(16, 8)
                .learningRate(1e-2f)
                .seed(3)
                .build(),
            SyntheticStream.CONTRACT,
            SyntheticStream.settings().build(),
            vectors)) {
      new SyntheticStream(21).next(1000).forEach(codeVectors::accept);
      assertTrue(
          codeVectors.windowAuc() > 0.7, "it learns from the vectors: " + codeVectors.windowAuc());
      ModelSnapshotEntry entry = publish(6, codeVectors.artifact().toBytes());
      Map<String, int[]> catalogue = catalogue();
      byte[] read = ArtifactOpener.local().read(entry.artifactUri);
      try (CtrScorer scorer = CtrScorer.of(entry, read, published(catalogue))) {
        for (String item : catalogue.keySet()) {
          assertEquals(
              Float.floatToIntBits(codeVectors.score("user-3", item, catalogue.get(item))),
              Float.floatToIntBits(scorer.score("user-3", item)),
              item);
        }
      }
    }
  }

  @Test
  void theLocalOpenerReadsFileUrisAndPlainPathsAndNamesTheOpenerForOtherStores()
      throws IOException {
    byte[] artifact = trainer.artifact().toBytes();
    ModelSnapshotEntry entry = publish(5, artifact);
    assertArrayEquals(artifact, ArtifactOpener.local().read(entry.artifactUri));
    // As Flink's Path renders it, "file:/…", and a plain path.
    Path file = store.resolve("model-v000005.bin");
    assertArrayEquals(artifact, ArtifactOpener.local().read("file:" + file));
    assertArrayEquals(artifact, ArtifactOpener.local().read(file.toString()));
    IOException s3 =
        assertThrows(IOException.class, () -> ArtifactOpener.local().read("s3://models/m.bin"));
    assertTrue(s3.getMessage().contains("FlinkFileSystemOpener"), s3.getMessage());
  }

  @Test
  void anArtifactThatIsNotTheAnnouncedOneIsRejected() throws IOException {
    byte[] artifact = trainer.artifact().toBytes();
    ModelSnapshotEntry entry = publish(6, artifact);
    Map<String, ItemCodes> codes = published(catalogue());

    // One byte flipped in the store.
    byte[] tampered = artifact.clone();
    tampered[tampered.length / 2] ^= 0x01;
    Files.write(Path.of(java.net.URI.create(entry.artifactUri)), tampered);
    byte[] read = ArtifactOpener.local().read(entry.artifactUri);
    IllegalArgumentException flipped =
        assertThrows(IllegalArgumentException.class, () -> CtrScorer.of(entry, read, codes));
    assertTrue(flipped.getMessage().contains("SHA-256"), flipped.getMessage());
    assertTrue(flipped.getMessage().contains("model version 6"), flipped.getMessage());

    // The announcement names other bytes.
    ModelSnapshotEntry wrong = publish(7, artifact);
    wrong.sha256 = Sha256.hex("another model");
    IllegalArgumentException mismatch =
        assertThrows(
            IllegalArgumentException.class,
            () -> CtrScorer.of(wrong, ArtifactOpener.local().read(wrong.artifactUri), codes));
    assertTrue(mismatch.getMessage().contains(wrong.sha256), mismatch.getMessage());

    // Tampered and re-announced: the artifact's own checksum still catches it.
    ModelSnapshotEntry reannounced = publish(8, tampered);
    assertThrows(IllegalArgumentException.class, () -> CtrScorer.of(reannounced, tampered, codes));

    // Intact, but announced for another codebook version than it reads.
    ModelSnapshotEntry otherVersion = publish(9, artifact);
    otherVersion.codebookVersion = VERSION + 1;
    IllegalArgumentException version =
        assertThrows(
            IllegalArgumentException.class, () -> CtrScorer.of(otherVersion, artifact, codes));
    assertTrue(version.getMessage().contains("codebook version"), version.getMessage());
  }

  @Test
  void itemsWhoseLatestCodesAreOfAnotherVersionAreNotScored() throws IOException {
    ModelArtifact artifact = trainer.artifact();
    ModelSnapshotEntry entry = publish(10, artifact.toBytes());
    Map<String, ItemCodes> codes = new LinkedHashMap<>(published(catalogue()));
    codes.put("item-1", codes("item-1", VERSION + 1, 1, 2, 3));
    codes.put("item-2", codes("item-2", VERSION - 1, 1, 2, 3));
    codes.put("wrong-count", codes("wrong-count", VERSION, 1, 2));
    codes.put("out-of-range", codes("out-of-range", VERSION, 1, 2, SyntheticStream.K));
    try (CtrScorer scorer = CtrScorer.of(entry, artifact.toBytes(), codes)) {
      int known = SyntheticStream.ITEMS + COLD_ITEMS - 2;
      assertEquals(known, scorer.itemsKnown());
      assertEquals(2, scorer.itemsOfOtherVersions());
      for (String item : List.of("item-1", "item-2", "wrong-count", "out-of-range", "never")) {
        assertFalse(scorer.canScore(item), item);
        UnscorableItemException e =
            assertThrows(UnscorableItemException.class, () -> scorer.score("user-1", item));
        assertEquals(item, e.itemId());
      }
      UnscorableItemException other =
          assertThrows(UnscorableItemException.class, () -> scorer.score("user-1", "item-1"));
      assertTrue(
          other.getMessage().contains("codebook version " + (VERSION + 1)), other.getMessage());

      // A ranking request scores the rest and marks the unscorable.
      float[] scores = scorer.score("user-1", List.of("item-0", "item-1", "never", "item-3"));
      assertEquals(trainer.score("user-1", "item-0", stream.codes.get("item-0")), scores[0]);
      assertTrue(Float.isNaN(scores[1]) && Float.isNaN(scores[2]));
      assertEquals(trainer.score("user-1", "item-3", stream.codes.get("item-3")), scores[3]);
      assertTrue(Float.isNaN(scorer.score("user-1", List.of("never"))[0]));

      // The latest codes decide, in both directions; as in the trainer's join, a late re-coding of
      // an older version does not replace a newer version's codes.
      scorer.putCodes(codes("item-2", VERSION, stream.codes.get("item-2")));
      assertTrue(scorer.canScore("item-2"));
      scorer.putCodes(codes("item-1", VERSION, stream.codes.get("item-1")));
      assertFalse(scorer.canScore("item-1"));
      assertEquals(1, scorer.staleCodesIgnored());
      scorer.putCodes(codes("item-0", VERSION + 1, 0, 0, 0));
      assertFalse(scorer.canScore("item-0"));
      scorer.removeItem("item-3");
      assertFalse(scorer.canScore("item-3"));
      assertEquals(known - 1, scorer.itemsKnown());
      assertEquals(2, scorer.itemsOfOtherVersions());

      // A model of the other version would make exactly those items scorable: here, one that
      // rejects is refused and the current model stays.
      ModelSnapshotEntry bad = publish(11, artifact.toBytes());
      bad.sha256 = Sha256.hex("x");
      assertThrows(
          IllegalArgumentException.class, () -> scorer.replaceModel(bad, artifact.toBytes()));
      assertEquals(10, scorer.modelVersion());
      assertThrows(IllegalStateException.class, scorer::refresh);
    }
  }
}
