package io.moc.util;

import java.nio.charset.StandardCharsets;

/**
 * MurmurHash3 x86 32-bit (Appleby's reference), over the UTF-8 bytes of a string. Stable across
 * JVMs and versions, unlike {@link String#hashCode()}'s contract, and well mixed in the low bits:
 * the hash that turns live ids into embedding buckets, so trainers and scorers must agree on it.
 */
public final class Murmur3 {

  private static final int C1 = 0xcc9e2d51;
  private static final int C2 = 0x1b873593;

  private Murmur3() {}

  public static int hash32(String text, int seed) {
    return hash32(text.getBytes(StandardCharsets.UTF_8), seed);
  }

  public static int hash32(byte[] data, int seed) {
    int h = seed;
    int blocks = data.length / 4;
    for (int i = 0; i < blocks; i++) {
      int j = i * 4;
      int k =
          (data[j] & 0xff)
              | (data[j + 1] & 0xff) << 8
              | (data[j + 2] & 0xff) << 16
              | (data[j + 3] & 0xff) << 24;
      h ^= mixK(k);
      h = Integer.rotateLeft(h, 13) * 5 + 0xe6546b64;
    }
    int tail = blocks * 4;
    int k = 0;
    switch (data.length & 3) {
      case 3:
        k ^= (data[tail + 2] & 0xff) << 16;
      // fall through
      case 2:
        k ^= (data[tail + 1] & 0xff) << 8;
      // fall through
      case 1:
        k ^= data[tail] & 0xff;
        h ^= mixK(k);
      // fall through
      default:
        break;
    }
    h ^= data.length;
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    h ^= h >>> 16;
    return h;
  }

  private static int mixK(int k) {
    k *= C1;
    k = Integer.rotateLeft(k, 15);
    return k * C2;
  }
}
