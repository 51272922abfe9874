package io.moc.ctr.model;

import ai.djl.ndarray.NDArray;
import java.util.SplittableRandom;

/**
 * Inverted dropout with masks drawn in Java from the model's seed: the engine's random generator is
 * global to the JVM, so masks from it would depend on whatever else runs beside the model.
 */
final class DropoutMasks {

  private final SplittableRandom random;
  private final float rate;

  DropoutMasks(long seed, float rate) {
    this.random = new SplittableRandom(seed);
    this.rate = rate;
  }

  NDArray apply(NDArray x, boolean training) {
    if (!training || rate == 0f) {
      return x;
    }
    float keep = 1f / (1f - rate);
    float[] mask = new float[Math.toIntExact(x.size())];
    for (int i = 0; i < mask.length; i++) {
      mask[i] = random.nextDouble() < rate ? 0f : keep;
    }
    return x.mul(x.getManager().create(mask, x.getShape()));
  }
}
