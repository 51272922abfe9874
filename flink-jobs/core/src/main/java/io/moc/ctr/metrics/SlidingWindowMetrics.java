package io.moc.ctr.metrics;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * AUC and logloss over the most recent predictions, for prequential evaluation: score each example
 * before training on it, {@link #add} the prediction, read the metrics of the window.
 *
 * <p>Adding to a full window evicts the oldest prediction; {@link #evictOldest} evicts explicitly
 * (for a window bounded by time instead of count). Logloss is kept as a running sum, so it costs
 * O(1) per call; AUC is recomputed from the window, O(w log w) per call, which suits reading it
 * once per batch or snapshot rather than once per example.
 */
public final class SlidingWindowMetrics {

  private final double[] probabilities;
  private final float[] labels;
  private int oldest;
  private int size;
  private double lossSum;
  private int positives;
  // Additions and removals drift the running sum; it is recomputed exactly once per full turn.
  private int updatesSinceRecompute;

  /** A window of at most {@code capacity} predictions. */
  public SlidingWindowMetrics(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be >= 1: " + capacity);
    }
    probabilities = new double[capacity];
    labels = new float[capacity];
  }

  /**
   * Adds a predicted click probability and the true label (0 or 1), evicting the oldest prediction
   * when the window is full.
   */
  public void add(double probability, float label) {
    if (label != 0f && label != 1f) {
      throw new IllegalArgumentException("labels must be 0 or 1: " + label);
    }
    double loss = LogLoss.term(probability, label);
    if (size == probabilities.length) {
      evictOldest();
    }
    int slot = (oldest + size) % probabilities.length;
    probabilities[slot] = probability;
    labels[slot] = label;
    size++;
    positives += label == 1f ? 1 : 0;
    lossSum += loss;
    countUpdate();
  }

  /**
   * Removes the oldest prediction.
   *
   * @throws IllegalStateException when the window is empty
   */
  public void evictOldest() {
    if (size == 0) {
      throw new IllegalStateException("the window is empty");
    }
    lossSum -= LogLoss.term(probabilities[oldest], labels[oldest]);
    positives -= labels[oldest] == 1f ? 1 : 0;
    oldest = (oldest + 1) % probabilities.length;
    size--;
    countUpdate();
  }

  public void clear() {
    oldest = 0;
    size = 0;
    lossSum = 0;
    positives = 0;
    updatesSinceRecompute = 0;
  }

  /** The number of predictions in the window. */
  public int size() {
    return size;
  }

  public int capacity() {
    return probabilities.length;
  }

  public int positives() {
    return positives;
  }

  /** The AUC of the window; NaN while it lacks a positive or a negative. */
  public double auc() {
    double[] windowProbabilities = new double[size];
    float[] windowLabels = new float[size];
    for (int i = 0; i < size; i++) {
      int slot = (oldest + i) % probabilities.length;
      windowProbabilities[i] = probabilities[slot];
      windowLabels[i] = labels[slot];
    }
    return Auc.of(windowProbabilities, windowLabels);
  }

  /** The mean clipped logloss of the window; NaN while it is empty. */
  public double logLoss() {
    return size == 0 ? Double.NaN : lossSum / size;
  }

  /**
   * Writes the window's exact state, the running sums included, so that {@link #readFrom} gives a
   * window whose metrics and future updates are bit-identical to this one's (for checkpoints).
   */
  public void writeTo(DataOutput out) throws IOException {
    out.writeInt(probabilities.length);
    out.writeInt(size);
    for (int i = 0; i < size; i++) {
      int slot = (oldest + i) % probabilities.length;
      out.writeDouble(probabilities[slot]);
      out.writeFloat(labels[slot]);
    }
    out.writeDouble(lossSum);
    out.writeInt(updatesSinceRecompute);
  }

  /**
   * Reads what {@link #writeTo} wrote.
   *
   * @throws IOException when the bytes end early
   * @throws IllegalArgumentException when they are not a window's state
   */
  public static SlidingWindowMetrics readFrom(DataInput in) throws IOException {
    int capacity = in.readInt();
    int size = in.readInt();
    if (capacity < 1 || capacity > 1 << 26 || size < 0 || size > capacity) {
      throw new IllegalArgumentException("bad window state: " + size + " of " + capacity);
    }
    SlidingWindowMetrics window = new SlidingWindowMetrics(capacity);
    for (int i = 0; i < size; i++) {
      double probability = in.readDouble();
      float label = in.readFloat();
      if (label != 0f && label != 1f || Double.isNaN(probability)) {
        throw new IllegalArgumentException("bad window entry " + i);
      }
      window.probabilities[i] = probability;
      window.labels[i] = label;
      window.positives += label == 1f ? 1 : 0;
    }
    window.size = size;
    window.lossSum = in.readDouble();
    window.updatesSinceRecompute = in.readInt();
    if (window.updatesSinceRecompute < 0 || window.updatesSinceRecompute >= capacity) {
      throw new IllegalArgumentException("bad window state: recompute counter");
    }
    return window;
  }

  private void countUpdate() {
    if (++updatesSinceRecompute >= probabilities.length) {
      double sum = 0;
      for (int i = 0; i < size; i++) {
        int slot = (oldest + i) % probabilities.length;
        sum += LogLoss.term(probabilities[slot], labels[slot]);
      }
      lossSum = sum;
      updatesSinceRecompute = 0;
    }
  }
}
