package io.moc.ctr.model;

import ai.djl.ndarray.NDArray;
import io.moc.util.SplitMix64;

/**
 * Inverted dropout with masks drawn in Java from the model's seed: the engine's random generator is
 * global to the JVM, so masks from it would depend on whatever else runs beside the model.
 *
 * <p>{@link SplitMix64} draws the stream {@link java.util.SplittableRandom} would, with its state
 * readable: a training checkpoint stores it and a restored model draws the very masks the
 * uninterrupted one would have.
 */
final class DropoutMasks {

  private SplitMix64 random;
  private final float rate;

  DropoutMasks(long seed, float rate) {
    this.random = new SplitMix64(seed);
    this.rate = rate;
  }

  /** The generator's position, for a checkpoint. */
  long state() {
    return random.state();
  }

  /** Continues the stream from a {@link #state()}. */
  void resume(long state) {
    random = new SplitMix64(state);
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
