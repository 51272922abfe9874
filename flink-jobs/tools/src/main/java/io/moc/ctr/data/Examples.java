package io.moc.ctr.data;

import java.util.Arrays;
import java.util.BitSet;

/**
 * The examples of one split in time order, as parallel arrays indexed by example: 200k examples
 * take a few megabytes instead of one object each.
 *
 * <p>Every field is a {@link Vocabulary} index of the {@link CtrDataset} it belongs to. Brand and
 * category are properties of the item, so they are looked up from it rather than stored twice.
 */
public final class Examples {

  private final int[] users;
  private final int[] items;
  private final long[] timesMs;
  private final float[] labels;
  private final BitSet coldStart;
  private final int[] itemBrands;
  private final int[] itemCategories;

  Examples(
      int[] users,
      int[] items,
      long[] timesMs,
      float[] labels,
      BitSet coldStart,
      int[] itemBrands,
      int[] itemCategories) {
    this.users = users;
    this.items = items;
    this.timesMs = timesMs;
    this.labels = labels;
    this.coldStart = coldStart;
    this.itemBrands = itemBrands;
    this.itemCategories = itemCategories;
  }

  public int size() {
    return users.length;
  }

  public int user(int example) {
    return users[example];
  }

  public int item(int example) {
    return items[example];
  }

  public int brand(int example) {
    return itemBrands[items[example]];
  }

  public int category(int example) {
    return itemCategories[items[example]];
  }

  /** The event time in epoch milliseconds; a sampled negative has its positive's time. */
  public long timeMs(int example) {
    return timesMs[example];
  }

  /** 1 for a click (a positive), 0 otherwise. */
  public float label(int example) {
    return labels[example];
  }

  /** Whether the example's item never appears in the train split; always false in train. */
  public boolean coldStart(int example) {
    return coldStart.get(example);
  }

  /** A copy of every label, in example order, for the metrics. */
  public float[] labels() {
    return labels.clone();
  }

  public int positives() {
    int positives = 0;
    for (float label : labels) {
      positives += label > 0 ? 1 : 0;
    }
    return positives;
  }

  public int coldStartCount() {
    return coldStart.cardinality();
  }

  /** The earliest event time, or {@link Long#MAX_VALUE} when there are no examples. */
  public long minTimeMs() {
    return timesMs.length == 0 ? Long.MAX_VALUE : timesMs[0];
  }

  /** The latest event time, or {@link Long#MIN_VALUE} when there are no examples. */
  public long maxTimeMs() {
    return timesMs.length == 0 ? Long.MIN_VALUE : timesMs[timesMs.length - 1];
  }

  /** Grows the arrays of one split while the builder walks the data in time order. */
  public static final class Builder {
    private int[] users = new int[1024];
    private int[] items = new int[1024];
    private long[] timesMs = new long[1024];
    private float[] labels = new float[1024];
    private int size;

    public void add(int user, int item, long timeMs, boolean positive) {
      if (size == users.length) {
        int capacity = size * 2;
        users = Arrays.copyOf(users, capacity);
        items = Arrays.copyOf(items, capacity);
        timesMs = Arrays.copyOf(timesMs, capacity);
        labels = Arrays.copyOf(labels, capacity);
      }
      users[size] = user;
      items[size] = item;
      timesMs[size] = timeMs;
      labels[size] = positive ? 1f : 0f;
      size++;
    }

    /** The examples, cold-start where the item is not in {@code trainItems}. */
    public Examples build(BitSet trainItems, int[] itemBrands, int[] itemCategories) {
      BitSet coldStart = new BitSet(size);
      for (int i = 0; i < size; i++) {
        coldStart.set(i, !trainItems.get(items[i]));
      }
      return new Examples(
          Arrays.copyOf(users, size),
          Arrays.copyOf(items, size),
          Arrays.copyOf(timesMs, size),
          Arrays.copyOf(labels, size),
          coldStart,
          itemBrands,
          itemCategories);
    }
  }
}
