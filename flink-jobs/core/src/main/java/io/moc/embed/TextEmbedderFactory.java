package io.moc.embed;

import java.io.Serializable;

/**
 * Opens a {@link TextEmbedder} where it runs: a job ships the factory, and each parallel instance
 * opens its own model in {@code open()}, because a predictor is not thread-safe.
 */
@FunctionalInterface
public interface TextEmbedderFactory extends Serializable {

  TextEmbedder open() throws Exception;

  /**
   * Opens an embedder that runs on {@code device} where it can. One that cannot use a GPU opens on
   * the CPU: check {@link TextEmbedder#device()}.
   */
  default TextEmbedder open(ComputeDevice device) throws Exception {
    return open();
  }
}
