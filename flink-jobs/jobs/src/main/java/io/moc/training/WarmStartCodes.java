package io.moc.training;

import io.moc.util.Murmur3;
import java.io.IOException;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * The item codes the CTR trainer keeps to warm-start a newer codebook version's model: per version,
 * the codes of at most {@code capacity} items, those whose ids hash lowest. The hash does not
 * depend on the version, so every version keeps the same items (as far as they are coded), and a
 * warm start maps each of them from its old codes to its new ones. Bounded because the trainer is
 * one subtask: a catalog of 10⁸ items' codes would not fit its heap, and a warm start needs a few
 * hundred items per code, not all of them.
 */
final class WarmStartCodes {

  private static final int HASH_SEED = 0x5eed;

  private record Ranked(long rank, String itemId) {}

  private static final Comparator<Ranked> ORDER =
      Comparator.comparingLong(Ranked::rank).thenComparing(Ranked::itemId);

  private static final class Version {
    final Map<String, int[]> codes = new HashMap<>();
    final TreeSet<Ranked> ranked = new TreeSet<>(ORDER);
  }

  private final int capacity;
  private final Map<Long, Version> versions = new HashMap<>();

  /**
   * @param capacity most items kept per codebook version
   */
  WarmStartCodes(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("at least one item per version");
    }
    this.capacity = capacity;
  }

  private static long rank(String itemId) {
    return Integer.toUnsignedLong(Murmur3.hash32(itemId, HASH_SEED));
  }

  /** Keeps {@code codes} as the item's under {@code version} if the item is among those kept. */
  void put(long version, String itemId, int[] codes) {
    Version v = versions.computeIfAbsent(version, x -> new Version());
    if (v.codes.containsKey(itemId)) {
      v.codes.put(itemId, codes);
      return;
    }
    Ranked r = new Ranked(rank(itemId), itemId);
    if (v.codes.size() >= capacity) {
      Ranked highest = v.ranked.last();
      if (ORDER.compare(r, highest) >= 0) {
        return;
      }
      v.ranked.pollLast();
      v.codes.remove(highest.itemId());
    }
    v.ranked.add(r);
    v.codes.put(itemId, codes);
  }

  /** Forgets a deleted item under every version. */
  void remove(String itemId) {
    for (Version v : versions.values()) {
      if (v.codes.remove(itemId) != null) {
        v.ranked.remove(new Ranked(rank(itemId), itemId));
      }
    }
  }

  /** Forgets every version up to {@code version}. */
  void removeUpTo(long version) {
    versions.keySet().removeIf(v -> v <= version);
  }

  /** The codes kept under {@code version}, item id → codes; empty when none. */
  Map<String, int[]> of(long version) {
    Version v = versions.get(version);
    return v == null ? Map.of() : Collections.unmodifiableMap(v.codes);
  }

  /** How many entries {@link #forEach} hands over. */
  int size() {
    int n = 0;
    for (Version v : versions.values()) {
      n += v.codes.size();
    }
    return n;
  }

  /** Every kept entry: version, item id, codes. */
  void forEach(EntryConsumer consumer) throws IOException {
    for (Map.Entry<Long, Version> v : versions.entrySet()) {
      for (Map.Entry<String, int[]> item : v.getValue().codes.entrySet()) {
        consumer.accept(v.getKey(), item.getKey(), item.getValue());
      }
    }
  }

  /** What {@link #forEach} hands over; it may write them out. */
  interface EntryConsumer {
    void accept(long version, String itemId, int[] codes) throws IOException;
  }
}
