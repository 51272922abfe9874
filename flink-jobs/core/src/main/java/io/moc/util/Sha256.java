package io.moc.util;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/** Lower-case hex SHA-256: artifact checksums and content fingerprints. */
public final class Sha256 {

  private static final int DIGEST_BYTES = 32;

  private Sha256() {}

  /** The 32 bytes of the SHA-256 of {@code bytes}. */
  public static byte[] of(byte[] bytes) {
    return digest().digest(bytes);
  }

  public static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(digest().digest(bytes));
  }

  public static String hex(String text) {
    return hex(text.getBytes(StandardCharsets.UTF_8));
  }

  /** {@code body} followed by its 32-byte SHA-256: the trailer of the project's binary formats. */
  public static byte[] withDigest(byte[] body) {
    byte[] bytes = Arrays.copyOf(body, body.length + DIGEST_BYTES);
    System.arraycopy(digest().digest(body), 0, bytes, body.length, DIGEST_BYTES);
    return bytes;
  }

  /**
   * The body of bytes written by {@link #withDigest}, once its SHA-256 matches.
   *
   * @param what names the format in messages
   * @throws IllegalArgumentException when the bytes are too short or the checksum does not match
   */
  public static byte[] verifiedBody(byte[] bytes, String what) {
    if (bytes.length < DIGEST_BYTES + 8) {
      throw new IllegalArgumentException("not a " + what + " (too short)");
    }
    byte[] body = Arrays.copyOf(bytes, bytes.length - DIGEST_BYTES);
    if (!MessageDigest.isEqual(
        digest().digest(body), Arrays.copyOfRange(bytes, body.length, bytes.length))) {
      throw new IllegalArgumentException(what + " checksum mismatch (corrupted)");
    }
    return body;
  }

  private static MessageDigest digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
