package io.moc.embed;

/**
 * A model failed to load or to embed; unchecked so that callers on a hot path can choose to fail.
 */
public class EmbeddingException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public EmbeddingException(String message, Throwable cause) {
    super(message, cause);
  }
}
