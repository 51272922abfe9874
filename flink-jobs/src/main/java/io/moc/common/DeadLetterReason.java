package io.moc.common;

/** Why a record went to the dead-letter topic; the name is the DeadLetter.reason string. */
public enum DeadLetterReason {
  /** The value is not a record of the topic's schema. */
  UNDECODABLE,
  /** No item id in the value, or a tombstone without a key. */
  MISSING_ID,
  /**
   * A record without a key: keyless records are spread over partitions, so two updates of one item
   * could be applied out of order.
   */
  MISSING_KEY,
  /** A key that is not the item id: compaction keeps the latest record per key. */
  KEY_MISMATCH,
  /** Neither text to embed nor a usable precomputed embedding. */
  NO_TEXT_OR_EMBEDDING,
  /** A precomputed embedding of the configured model with the wrong dimension. */
  BAD_EMBEDDING_DIMENSION,
  /** A precomputed embedding containing NaN or infinite values. */
  NON_FINITE_EMBEDDING,
  /**
   * A precomputed embedding that is all zeros or absurdly large (norm above the configured bound).
   */
  BAD_EMBEDDING_NORM,
  /** The text could not be embedded (the model failed on it). */
  EMBEDDING_FAILED,
  /** A codebook version that failed validation; the previous version stays active. */
  INVALID_CODEBOOK
}
