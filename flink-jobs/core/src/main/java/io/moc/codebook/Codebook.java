package io.moc.codebook;

/**
 * Assigns M codes, one per codebook, to an embedding. Implementations are immutable and
 * thread-safe, and assignment is plain Java over float arrays so that it can run on the hot path of
 * a streaming job without a model runtime.
 */
public interface Codebook extends AutoCloseable {

  /** The method name, which also selects the artifact format (see {@link CodebookCodec}). */
  String method();

  /** Name of the embedding model whose vectors this codebook quantizes. */
  String embeddingModel();

  /** Dimension D of the input embeddings. */
  int dimension();

  /** Number M of codebooks, i.e. codes per item. */
  int numCodebooks();

  /** Number K of code vectors per codebook. */
  int codebookSize();

  /** The codes of {@code embedding} (length {@link #dimension()}) and the quantization error. */
  Assignment assign(float[] embedding);

  /**
   * The assignments of {@code embeddings[0 .. count)}, each equal to {@link #assign(float[])} of
   * its embedding. Codebooks whose assignment streams matrices larger than the cache score a batch
   * in one pass over them, several times faster per item than one at a time.
   */
  default Assignment[] assign(float[][] embeddings, int count) {
    Assignment[] out = new Assignment[count];
    for (int i = 0; i < count; i++) {
      out[i] = assign(embeddings[i]);
    }
    return out;
  }

  /**
   * The item's semantic representation: its chosen code vectors, concatenated in codebook order.
   * Its singular spectrum measures how many dimensions the codes really use.
   */
  float[] represent(float[] embedding);

  /**
   * Code {@code code}'s vector in codebook {@code m}: what {@link #represent} writes for it.
   *
   * @throws IndexOutOfBoundsException for m or code out of range
   */
  float[] codeVector(int m, int code);

  /** Rejects a codebook part with NaN or infinite values: it would assign garbage codes. */
  static void requireFinite(float[] values, String what) {
    for (float v : values) {
      if (!Float.isFinite(v)) {
        throw new IllegalArgumentException(what + " contains NaN or infinite values");
      }
    }
  }

  /** Releases what the codebook holds outside the heap (none for plain-array codebooks). */
  @Override
  default void close() {}
}
