package io.moc.embed;

import java.io.Serializable;

/**
 * Opens a {@link TextEmbedder} where it runs: a job ships the factory, and each parallel instance
 * opens its own model in {@code open()}, because a predictor is not thread-safe.
 */
@FunctionalInterface
public interface TextEmbedderFactory extends Serializable {

  TextEmbedder open() throws Exception;
}
