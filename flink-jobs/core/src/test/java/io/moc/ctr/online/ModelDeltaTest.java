package io.moc.ctr.online;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ModelDeltaTest {

  private static byte[] random(int n, long seed) {
    byte[] bytes = new byte[n];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  @Test
  void shouldRebuildTheTargetFromTheBaseAndCarryOnlyTheBlocksThatChanged() {
    byte[] base = random(100_003, 1);
    byte[] target = base.clone();
    // Three changed rows, one of them in the short last block.
    target[10] ^= 1;
    target[64 * 700 + 5] ^= 1;
    target[100_002] ^= 1;
    byte[] delta = ModelDelta.between(base, target);
    assertArrayEquals(target, ModelDelta.apply(base, delta));
    assertTrue(delta.length < 3 * (64 + 4) + 128, "three blocks and a header: " + delta.length);

    assertArrayEquals(base, ModelDelta.apply(base, ModelDelta.between(base, base)));
  }

  @Test
  void shouldRefuseADeltaOnAnotherBaseOrOneThatWasCorrupted() {
    byte[] base = random(4096, 2);
    byte[] target = random(4096, 3);
    byte[] delta = ModelDelta.between(base, target);
    byte[] otherBase = base.clone();
    otherBase[0] ^= 1;
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ModelDelta.apply(otherBase, delta));
    assertTrue(e.getMessage().contains("another base"), e.getMessage());

    byte[] corrupted = delta.clone();
    corrupted[100] ^= 1;
    assertThrows(IllegalArgumentException.class, () -> ModelDelta.apply(base, corrupted));
    byte[] truncated = java.util.Arrays.copyOf(delta, delta.length - 1);
    assertThrows(IllegalArgumentException.class, () -> ModelDelta.apply(base, truncated));
  }

  @Test
  void shouldRefuseToDiffArtifactsOfDifferentLengths() {
    assertThrows(
        IllegalArgumentException.class, () -> ModelDelta.between(new byte[64], new byte[65]));
  }
}
