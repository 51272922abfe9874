package io.moc.codebook;

import io.moc.util.Sha256;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * Reads and writes codebook artifacts: the bytes carried in {@code CodebookVersion.artifact}. A
 * common header (magic number, method, embedding model, D, M, K) is followed by a body in the
 * method's {@link CodebookFormat}, found with {@link ServiceLoader}.
 */
public final class CodebookCodec {

  private static final int MAGIC = 0x4d6f4331; // "MoC1"
  public static final int MAX_DIMENSION = 8192;
  static final int MAX_CODEBOOKS = 64;
  public static final int MAX_CODEBOOK_SIZE = 1 << 16;

  private static final Map<String, CodebookFormat> FORMATS = loadFormats();

  private CodebookCodec() {}

  /** The header every artifact starts with. */
  public record Header(
      String method, String embeddingModel, int dimension, int numCodebooks, int codebookSize) {}

  private static Map<String, CodebookFormat> loadFormats() {
    Map<String, CodebookFormat> formats = new TreeMap<>();
    for (CodebookFormat f :
        ServiceLoader.load(CodebookFormat.class, CodebookCodec.class.getClassLoader())) {
      formats.put(f.method(), f);
    }
    return formats;
  }

  private static CodebookFormat format(String method) {
    CodebookFormat format = FORMATS.get(method);
    if (format == null) {
      throw new IllegalArgumentException(
          "unknown codebook method " + method + "; known: " + FORMATS.keySet());
    }
    return format;
  }

  public static byte[] serialize(Codebook codebook) {
    CodebookFormat format = format(codebook.method());
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(MAGIC);
      out.writeUTF(codebook.method());
      out.writeUTF(codebook.embeddingModel());
      out.writeInt(codebook.dimension());
      out.writeInt(codebook.numCodebooks());
      out.writeInt(codebook.codebookSize());
      format.write(codebook, out);
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
      CodebookFormat format = format(method);
      Header header =
          new Header(
              method,
              in.readUTF(),
              bounded(in.readInt(), MAX_DIMENSION, "dimension"),
              bounded(in.readInt(), MAX_CODEBOOKS, "num_codebooks"),
              bounded(in.readInt(), MAX_CODEBOOK_SIZE, "codebook_size"));
      Codebook codebook = format.read(header, in);
      if (in.available() > 0) {
        throw new IllegalArgumentException("artifact has trailing bytes");
      }
      return codebook;
    } catch (IOException e) {
      throw new IllegalArgumentException("truncated codebook artifact", e);
    }
  }

  /** The checksum carried with an artifact. */
  public static String sha256(byte[] artifact) {
    return Sha256.hex(artifact);
  }

  public static int bounded(int value, int max, String what) {
    if (value < 1 || value > max) {
      throw new IllegalArgumentException(what + " out of range: " + value);
    }
    return value;
  }

  /** Checked before allocating: a short artifact must not make the job allocate gigabytes. */
  public static void requireAvailable(DataInputStream in, long floats) throws IOException {
    if (floats * Float.BYTES > in.available()) {
      throw new IllegalArgumentException(
          "artifact declares " + floats + " values but is too short");
    }
  }

  public static void writeFloats(DataOutputStream out, float[] values) throws IOException {
    out.writeInt(values.length);
    for (float v : values) {
      out.writeFloat(v);
    }
  }

  public static float[] readFloats(DataInputStream in, int expected) throws IOException {
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
