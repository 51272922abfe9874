package io.moc.util;

/**
 * The SplitMix64 generator, the stream {@link java.util.SplittableRandom} draws for a seed, with
 * its whole state one readable {@code long}: a checkpoint stores {@link #state()} and {@code new
 * SplitMix64(state)} continues the very same stream, which neither {@code Random} nor {@code
 * SplittableRandom} allows without reflection.
 */
public final class SplitMix64 {

  private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

  private long state;

  /** Starts at {@code seed}, or continues from a {@link #state()}. */
  public SplitMix64(long seed) {
    this.state = seed;
  }

  /** What {@link #SplitMix64(long)} continues from. */
  public long state() {
    return state;
  }

  public long nextLong() {
    long z = state += GOLDEN_GAMMA;
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /** Uniform in [0, 1), 53 random bits. */
  public double nextDouble() {
    return (nextLong() >>> 11) * 0x1.0p-53;
  }

  /** Uniform in [0, bound) up to a bias below bound / 2^63, negligible for shuffling. */
  public int nextInt(int bound) {
    if (bound < 1) {
      throw new IllegalArgumentException("bound must be >= 1: " + bound);
    }
    return (int) ((nextLong() >>> 1) % bound);
  }
}
