package io.moc.codebook;

import java.util.List;

/** Trains a new codebook from a sample of item embeddings; one implementation per method. */
public interface CodebookTrainer {

  /** The method of the codebooks it trains. */
  String method();

  /**
   * @param embeddingModel the model that made the embeddings, recorded in the codebook
   * @throws IllegalArgumentException when the sample cannot be trained on (empty, mixed dimensions)
   */
  Codebook train(String embeddingModel, List<float[]> sample);
}
