package io.moc.embed;

import java.util.List;

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

  /** Where the model runs; an embedder that cannot run on a GPU says CPU. */
  default ComputeDevice device() {
    return ComputeDevice.CPU;
  }

  @Override
  void close();
}
