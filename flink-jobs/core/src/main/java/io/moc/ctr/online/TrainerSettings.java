package io.moc.ctr.online;

/**
 * How an {@link OnlineCtrTrainer} batches, evaluates and replays; the model's own settings are its
 * {@link io.moc.ctr.model.CtrModelConfig}.
 *
 * @param batchSize examples per online training step; each batch is scored before it is trained on
 * @param windowSize predictions in the sliding prequential AUC/logloss window
 * @param coldStartWindowSize predictions in the cold-start window
 * @param coldStartAgeMs an example is cold-start when its item was first seen less than this long
 *     before the example's event time
 * @param replayCapacity the last examples kept for {@link OnlineCtrTrainer#retrain}
 * @param seed seeds the replay shuffles
 */
public record TrainerSettings(
    int batchSize,
    int windowSize,
    int coldStartWindowSize,
    long coldStartAgeMs,
    int replayCapacity,
    long seed) {

  /** Bounds that keep a corrupted snapshot from allocating without limit. */
  static final int MAX_CAPACITY = 1 << 24;

  public TrainerSettings {
    if (batchSize < 1 || batchSize > 1 << 16) {
      throw new IllegalArgumentException("batch size must be in [1, 2^16]: " + batchSize);
    }
    for (int capacity : new int[] {windowSize, coldStartWindowSize, replayCapacity}) {
      if (capacity < 1 || capacity > MAX_CAPACITY) {
        throw new IllegalArgumentException("windows and replay must hold 1 to 2^24 examples");
      }
    }
    if (coldStartAgeMs < 0) {
      throw new IllegalArgumentException("cold-start age must be >= 0");
    }
  }

  /**
   * Batches of 256, windows of 10,000 predictions, cold start within a day, 50,000 examples of
   * replay.
   */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds {@link TrainerSettings}. */
  public static final class Builder {
    private int batchSize = 256;
    private int windowSize = 10_000;
    private int coldStartWindowSize = 10_000;
    private long coldStartAgeMs = 24L * 60 * 60 * 1000;
    private int replayCapacity = 50_000;
    private long seed = 7L;

    private Builder() {}

    public Builder batchSize(int size) {
      batchSize = size;
      return this;
    }

    public Builder windowSize(int size) {
      windowSize = size;
      return this;
    }

    public Builder coldStartWindowSize(int size) {
      coldStartWindowSize = size;
      return this;
    }

    public Builder coldStartAgeMs(long age) {
      coldStartAgeMs = age;
      return this;
    }

    public Builder replayCapacity(int capacity) {
      replayCapacity = capacity;
      return this;
    }

    public Builder seed(long s) {
      seed = s;
      return this;
    }

    public TrainerSettings build() {
      return new TrainerSettings(
          batchSize, windowSize, coldStartWindowSize, coldStartAgeMs, replayCapacity, seed);
    }
  }
}
