package io.moc.embed;

import java.util.List;
import java.util.function.BiConsumer;

/**
 * Turns texts into L2-normalised embedding vectors. An instance holds native model resources and is
 * not thread-safe: give each operator instance (each thread) its own, and close it.
 */
public interface TextEmbedder extends AutoCloseable {

  /** Name of the model, as recorded next to the vectors it produces (ItemEvent.embedding_model). */
  String modelName();

  /** Length of every vector {@link #embed} returns. */
  int dimension();

  /**
   * Embeds {@code texts} in one batch.
   *
   * @return one unit-length vector of length {@link #dimension()} per text, in input order; an
   *     empty array for an empty list
   * @throws EmbeddingException when the model fails to run
   */
  float[][] embed(List<String> texts);

  /**
   * Embeds each text alone, after a batch of them failed: one bad text then fails only itself.
   * Entries of texts that fail are null, and each failure is handed to {@code onFailure} with its
   * index. If every text of two or more fails, the model is broken, not the input: that throws, so
   * that a job restarts rather than dead-letters a whole catalog.
   *
   * @throws IllegalStateException when all of two or more texts fail
   */
  default float[][] embedEach(List<String> texts, BiConsumer<Integer, RuntimeException> onFailure) {
    float[][] vectors = new float[texts.size()][];
    RuntimeException last = null;
    int failed = 0;
    for (int i = 0; i < texts.size(); i++) {
      try {
        vectors[i] = embed(List.of(texts.get(i)))[0];
      } catch (RuntimeException e) {
        last = e;
        failed++;
        onFailure.accept(i, e);
      }
    }
    if (texts.size() > 1 && failed == texts.size()) {
      throw new IllegalStateException(
          "the embedding model failed on all " + texts.size() + " texts", last);
    }
    return vectors;
  }

  /** Where the model runs; an embedder that cannot run on a GPU says CPU. */
  default ComputeDevice device() {
    return ComputeDevice.CPU;
  }

  @Override
  void close();
}
