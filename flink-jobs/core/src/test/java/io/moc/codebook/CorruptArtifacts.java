package io.moc.codebook;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Codebook artifacts broken on purpose, for the tests of what the formats refuse. */
public final class CorruptArtifacts {

  private CorruptArtifacts() {}

  /** {@code artifact} with its last float (a code vector's value) overwritten by NaN. */
  public static byte[] withLastFloatNaN(byte[] artifact) {
    byte[] nan = artifact.clone();
    int bits = Float.floatToIntBits(Float.NaN);
    for (int i = 0; i < 4; i++) {
      nan[nan.length - 4 + i] = (byte) (bits >>> (24 - 8 * i));
    }
    return nan;
  }

  /**
   * The header of a {@code method} artifact for embedding model "m" with {@code sizes} as its
   * dimensions, and nothing after it: sizes that claim far more values than the bytes hold.
   */
  public static byte[] headerOnly(String method, int... sizes) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(0x4d6f4331);
      out.writeUTF(method);
      out.writeUTF("m");
      for (int size : sizes) {
        out.writeInt(size);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }
}
