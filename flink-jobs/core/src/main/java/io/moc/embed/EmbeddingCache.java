package io.moc.embed;

import io.moc.util.Sha256;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Embeddings of a fixed list of texts, computed once and kept in a file: offline evaluations embed
 * the same catalog many times. The file is reused only for the same model and the same texts.
 */
public final class EmbeddingCache {

  private static final int MAGIC = 0x4d6f4345; // "MoCE"

  private EmbeddingCache() {}

  /**
   * @param progress called with the number of texts embedded so far
   */
  public static float[][] embed(
      TextEmbedder embedder, List<String> texts, int batchSize, Path file, IntConsumer progress)
      throws IOException {
    String key = Sha256.hex(embedder.modelName() + '\u0000' + String.join("\u0000", texts));
    float[][] cached = read(file, key, texts.size(), embedder.dimension());
    if (cached != null) {
      progress.accept(texts.size());
      return cached;
    }
    float[][] vectors = new float[texts.size()][];
    for (int i = 0; i < texts.size(); i += batchSize) {
      float[][] batch = embedder.embed(texts.subList(i, Math.min(texts.size(), i + batchSize)));
      System.arraycopy(batch, 0, vectors, i, batch.length);
      progress.accept(Math.min(texts.size(), i + batchSize));
    }
    write(file, key, vectors, embedder.dimension());
    return vectors;
  }

  private static float[][] read(Path file, String key, int n, int dimension) throws IOException {
    if (!Files.isRegularFile(file)) {
      return null;
    }
    try (DataInputStream in =
        new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
      if (in.readInt() != MAGIC
          || !in.readUTF().equals(key)
          || in.readInt() != n
          || in.readInt() != dimension) {
        return null;
      }
      float[][] vectors = new float[n][dimension];
      for (float[] v : vectors) {
        for (int j = 0; j < dimension; j++) {
          v[j] = in.readFloat();
        }
      }
      return vectors;
    } catch (IOException truncated) {
      return null;
    }
  }

  private static void write(Path file, String key, float[][] vectors, int dimension)
      throws IOException {
    if (file.getParent() != null) {
      Files.createDirectories(file.getParent());
    }
    Path partial = file.resolveSibling(file.getFileName() + ".partial");
    try (DataOutputStream out =
        new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(partial)))) {
      out.writeInt(MAGIC);
      out.writeUTF(key);
      out.writeInt(vectors.length);
      out.writeInt(dimension);
      for (float[] v : vectors) {
        for (float x : v) {
          out.writeFloat(x);
        }
      }
    }
    Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
