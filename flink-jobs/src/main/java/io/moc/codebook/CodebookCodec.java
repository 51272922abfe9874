package io.moc.codebook;

import io.moc.util.Sha256;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Reads and writes codebook artifacts: the bytes carried in {@code CodebookVersion.artifact}. The
 * format is versioned by a magic number and the method name, so that other methods plug in here.
 */
public final class CodebookCodec {

  private static final int MAGIC = 0x4d6f4331; // "MoC1"
  private static final int MAX_DIMENSION = 8192;
  private static final int MAX_CODEBOOKS = 64;
  private static final int MAX_CODEBOOK_SIZE = 1 << 16;

  private CodebookCodec() {}

  public static byte[] serialize(Codebook codebook) {
    if (!(codebook instanceof ProjectedKMeansCodebook pk)) {
      throw new IllegalArgumentException("no artifact format for method " + codebook.method());
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(MAGIC);
      out.writeUTF(pk.method());
      out.writeUTF(pk.embeddingModel());
      out.writeInt(pk.dimension());
      out.writeInt(pk.numCodebooks());
      out.writeInt(pk.codebookSize());
      out.writeInt(pk.projectedDimension());
      for (int m = 0; m < pk.numCodebooks(); m++) {
        writeFloats(out, pk.projections()[m]);
        writeFloats(out, pk.centroids()[m]);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /**
   * Decodes an artifact.
   *
   * @throws IllegalArgumentException when the bytes are not a valid artifact of {@code method}
   *     (wrong magic, truncated, inconsistent sizes, NaN or infinite values)
   */
  public static Codebook deserialize(String method, byte[] artifact) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(artifact))) {
      if (in.readInt() != MAGIC) {
        throw new IllegalArgumentException("not a codebook artifact (bad magic number)");
      }
      String stored = in.readUTF();
      if (!stored.equals(method)) {
        throw new IllegalArgumentException("artifact is " + stored + ", declared " + method);
      }
      if (!ProjectedKMeansCodebook.METHOD.equals(method)) {
        throw new IllegalArgumentException("unknown codebook method " + method);
      }
      String model = in.readUTF();
      int dimension = bounded(in.readInt(), MAX_DIMENSION, "dimension");
      int m = bounded(in.readInt(), MAX_CODEBOOKS, "num_codebooks");
      int k = bounded(in.readInt(), MAX_CODEBOOK_SIZE, "codebook_size");
      int d = bounded(in.readInt(), MAX_DIMENSION, "projected dimension");
      long floats = (long) m * ((long) d * dimension + (long) k * d);
      if (floats * Float.BYTES > in.available()) {
        // Checked before allocating: a short artifact must not make the job allocate gigabytes.
        throw new IllegalArgumentException(
            "artifact declares " + floats + " values but is too short");
      }
      float[][] projections = new float[m][];
      float[][] centroids = new float[m][];
      for (int i = 0; i < m; i++) {
        projections[i] = readFloats(in, d * dimension);
        centroids[i] = readFloats(in, k * d);
      }
      if (in.available() > 0) {
        throw new IllegalArgumentException("artifact has trailing bytes");
      }
      return new ProjectedKMeansCodebook(model, dimension, k, d, projections, centroids);
    } catch (IOException e) {
      throw new IllegalArgumentException("truncated codebook artifact", e);
    }
  }

  /** The checksum carried with an artifact. */
  public static String sha256(byte[] artifact) {
    return Sha256.hex(artifact);
  }

  private static int bounded(int value, int max, String what) {
    if (value < 1 || value > max) {
      throw new IllegalArgumentException(what + " out of range: " + value);
    }
    return value;
  }

  private static void writeFloats(DataOutputStream out, float[] values) throws IOException {
    out.writeInt(values.length);
    for (float v : values) {
      out.writeFloat(v);
    }
  }

  private static float[] readFloats(DataInputStream in, int expected) throws IOException {
    int length = in.readInt();
    if (length != expected) {
      throw new IllegalArgumentException(
          "expected " + expected + " values, artifact has " + length);
    }
    float[] values = new float[length];
    for (int i = 0; i < length; i++) {
      values[i] = in.readFloat();
    }
    return values;
  }
}
