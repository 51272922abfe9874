package io.moc.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AdamWTest {

  private static final String ENGINE = "PyTorch";
  private static final float LR = 0.01f;
  private static final int STEPS = 7;

  @Test
  void shouldUpdateExactlyAsDjlsAdamWDoes() {
    for (float decay : new float[] {0f, 0.05f}) {
      try (NDManager manager = NDManager.newBaseManager(ENGINE)) {
        NDArray ours = manager.create(values(12, 1), new Shape(3, 4));
        NDArray djls = ours.duplicate();
        AdamW adam = new AdamW(LR, decay, 1);
        Optimizer reference =
            Optimizer.adamW()
                .optLearningRateTracker(Tracker.fixed(LR))
                .optWeightDecays(decay)
                .build();
        for (int step = 0; step < STEPS; step++) {
          NDArray gradient = manager.create(values(12, 100 + step), new Shape(3, 4));
          adam.update(0, ours, gradient);
          reference.update("w", djls, gradient);
        }
        assertArrayEquals(djls.toFloatArray(), ours.toFloatArray(), "weight decay " + decay);
        assertEquals(STEPS, adam.updates());
      }
    }
  }

  @Test
  void shouldStartTheBiasCorrectionOfALateParameterAtItsOwnFirstStep() {
    try (NDManager manager = NDManager.newBaseManager(ENGINE)) {
      NDArray early = manager.create(values(4, 1));
      NDArray late = manager.create(values(4, 2));
      NDArray alone = late.duplicate();
      AdamW shared = new AdamW(LR, 0f, 2);
      AdamW fresh = new AdamW(LR, 0f, 1);
      for (int step = 0; step < 3; step++) {
        shared.update(0, early, manager.create(values(4, 10 + step)));
      }
      assertNull(shared.moments(1));
      NDArray gradient = manager.create(values(4, 20));
      shared.update(1, late, gradient);
      fresh.update(0, alone, gradient);
      assertArrayEquals(alone.toFloatArray(), late.toFloatArray());
      assertEquals(3, shared.updates());
    }
  }

  @Test
  void shouldContinueFromRestoredMomentsAsIfNeverInterrupted() {
    try (NDManager manager = NDManager.newBaseManager(ENGINE)) {
      NDArray straight = manager.create(values(6, 3));
      NDArray resumed = straight.duplicate();
      AdamW uninterrupted = new AdamW(LR, 0.01f, 1);
      AdamW before = new AdamW(LR, 0.01f, 1);
      for (int step = 0; step < 4; step++) {
        NDArray g = manager.create(values(6, 30 + step));
        uninterrupted.update(0, straight, g);
        before.update(0, resumed, g);
      }
      AdamW after = new AdamW(LR, 0.01f, 1);
      after.restore(before.updates(), new NDArray[] {resumed}, new float[][][] {before.moments(0)});
      for (int step = 4; step < 8; step++) {
        NDArray g = manager.create(values(6, 30 + step));
        uninterrupted.update(0, straight, g);
        after.update(0, resumed, g);
      }
      assertArrayEquals(straight.toFloatArray(), resumed.toFloatArray());
      assertEquals(8, after.updates());
    }
  }

  @Test
  void shouldZeroTheMomentsOfClearedRowsOnly() {
    try (NDManager manager = NDManager.newBaseManager(ENGINE)) {
      NDArray weight = manager.create(values(3 * 2, 4), new Shape(3, 2));
      AdamW adam = new AdamW(LR, 0f, 1);
      adam.update(0, weight, manager.create(values(6, 5), new Shape(3, 2)));
      adam.clearRows(manager, 0, List.of(1), 2);
      float[][] moments = adam.moments(0);
      for (float[] moment : moments) {
        assertEquals(0f, moment[2]);
        assertEquals(0f, moment[3]);
        assertNotEquals(0f, moment[0]);
        assertNotEquals(0f, moment[5]);
      }
    }
  }

  private static float[] values(int n, long seed) {
    Random random = new Random(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) random.nextGaussian();
    }
    return v;
  }
}
