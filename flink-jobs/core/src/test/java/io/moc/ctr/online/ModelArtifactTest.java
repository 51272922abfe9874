package io.moc.ctr.online;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moc.ctr.model.CtrModel;
import io.moc.ctr.model.CtrModelConfig.ItemRepresentation;
import io.moc.testing.OneTorchThread;
import io.moc.util.Murmur3;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(OneTorchThread.class)
class ModelArtifactTest {

  private static final FeatureContract CONTRACT = SyntheticStream.CONTRACT;

  @Test
  void aScorerOfThePublishedArtifactScoresExactlyAsTheTrainer() {
    SyntheticStream stream = new SyntheticStream(21);
    try (OnlineCtrTrainer trainer =
        OnlineCtrTrainer.create(
            SyntheticStream.config().dropout(0.1f).build(),
            CONTRACT,
            SyntheticStream.settings().build())) {
      stream.next(700).forEach(trainer::accept);
      ModelArtifact published = trainer.artifact();
      byte[] bytes = published.toBytes();
      ModelArtifact read = ModelArtifact.fromBytes(bytes);
      assertEquals(CONTRACT, read.contract());
      assertEquals(SyntheticStream.VERSION, read.codebookVersion());
      assertEquals(published.sha256(), read.sha256());
      List<CtrExample> probes = stream.next(100);
      try (ModelArtifact.Scorer scorer = read.open()) {
        for (CtrExample e : probes) {
          assertEquals(
              trainer.score(e.userId, e.itemId, e.codes),
              scorer.score(e.userId, e.itemId, e.codes));
        }
        // An unknown user, an unknown item, an item without codes yet: still a probability.
        float p = scorer.score(null, "never-seen", null);
        assertTrue(p > 0 && p < 1);
      }
    }
  }

  @Test
  void thePublishedModelCarriesNoOptimiserState() {
    try (OnlineCtrTrainer trainer =
        OnlineCtrTrainer.create(
            SyntheticStream.config().build(), CONTRACT, SyntheticStream.settings().build())) {
      new SyntheticStream(22).next(128).forEach(trainer::accept);
      byte[] model = trainer.artifact().modelBytes();
      assertEquals(1, ByteBuffer.wrap(model, 4, 4).getInt(), "model format version");
      try (CtrModel loaded = CtrModel.fromBytes(model)) {
        assertArrayEquals(model, loaded.toBytes());
      }
      // The trainer's checkpoint holds Adam's two moments per parameter besides the values.
      assertTrue(trainer.snapshot().length > 3 * model.length);
    }
  }

  @Test
  void aCorruptedArtifactOrOneOfAnotherContractIsRejected() {
    byte[] bytes;
    try (CtrModel model =
        CtrModel.create(SyntheticStream.config().build(), SyntheticStream.VERSION)) {
      bytes = ModelArtifact.of(model, CONTRACT).toBytes();
      assertThrows(
          IllegalArgumentException.class,
          () -> ModelArtifact.of(model, CONTRACT.withCodebookVersion(9)));
      assertThrows(
          IllegalArgumentException.class,
          () ->
              ModelArtifact.of(model, new FeatureContract(SyntheticStream.VERSION, 64, 128, 3, 8)));
    }
    for (int position : new int[] {0, 9, bytes.length / 2, bytes.length - 1}) {
      byte[] corrupted = bytes.clone();
      corrupted[position] ^= 0x04;
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> ModelArtifact.fromBytes(corrupted));
      assertTrue(e.getMessage().contains("checksum"), e.getMessage());
    }
  }

  @Test
  void idsAreHashedWithMurmur3IntoBucketsAfterTheUnknownIndex() {
    // Reference vectors of MurmurHash3 x86_32, seed 0.
    assertEquals(0, Murmur3.hash32("", 0));
    assertEquals(0x248bfa47, Murmur3.hash32("hello", 0));
    assertEquals(0x2e4ff723, Murmur3.hash32("The quick brown fox jumps over the lazy dog", 0));
    assertEquals(0, CONTRACT.userIndex(null));
    assertEquals(0, CONTRACT.itemIndex(""));
    Set<Integer> buckets = new HashSet<>();
    for (int i = 0; i < 5000; i++) {
      int b = CONTRACT.itemIndex("item-" + i);
      assertTrue(b >= 1 && b <= CONTRACT.itemBuckets());
      buckets.add(b);
    }
    assertEquals(CONTRACT.itemBuckets(), buckets.size());
    assertArrayEquals(
        new int[] {CONTRACT.userIndex("u"), CONTRACT.itemIndex("i"), 1, 8, 4},
        CONTRACT.row("u", "i", new int[] {0, 7, 3}));
    assertThrows(IllegalArgumentException.class, () -> CONTRACT.row("u", "i", new int[] {0, 8, 3}));
    assertThrows(IllegalArgumentException.class, () -> CONTRACT.row("u", "i", new int[] {0, 1}));
    assertThrows(
        IllegalArgumentException.class,
        () -> CONTRACT.check(CONTRACT.modelConfig(ItemRepresentation.CODES).user(3).build()));
  }
}
