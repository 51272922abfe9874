package io.moc.common;

/** Why a record went to the dead-letter topic; the name is the DeadLetter.reason string. */
public enum DeadLetterReason {
  /** The value is not a record of the topic's schema (on the impressions topic: also no value). */
  UNDECODABLE,
  /**
   * No item id in the value (an impression: no impression, user or item id), or a tombstone without
   * a key.
   */
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
  INVALID_CODEBOOK,
  /**
   * Item codes without any code, or with a negative one: the trainer looks every code up in an
   * embedding table.
   */
  INVALID_CODES,
  /**
   * An impression whose item had no codes within the join timeout: the item is unknown to the
   * indexer, was deleted, or its codes are late by more than the timeout.
   */
  IMPRESSION_WITHOUT_CODES,
  /**
   * An impression that found the item's wait list full (max-pending-per-item): one hot item without
   * codes must not fill the state with impressions that will likely time out anyway.
   */
  PENDING_LIMIT_EXCEEDED,
  /**
   * An impression joined with codes of an older codebook version than the trainer's model reads (in
   * flight while the model moved to a newer version): a model never mixes two versions' codes.
   */
  STALE_CODEBOOK_VERSION,
  /**
   * An impression whose item's codes do not fit the model (another number of codebooks, or a code
   * outside [0, K)): the indexer's configuration changed under a running trainer.
   */
  CODES_DO_NOT_FIT_MODEL,
  /**
   * An impression of a codebook version whose codebook is not on the codebooks topic (or fails its
   * checksum), which a CODE_VECTORS model needs for the vectors of the codes.
   */
  CODEBOOK_UNAVAILABLE,
  /**
   * An impression whose event time is before 1970: no click stream has one, and the trainer's
   * time-based windows (cold-start age, replay order) would treat it as older than everything.
   */
  BAD_EVENT_TIME,
  /**
   * A record over its input's size limit ({@code moc.input.<topic>.max-record-size}), refused
   * before decoding: a dead letter keeps a prefix of it, its size and its SHA-256.
   */
  RECORD_TOO_LARGE,
  /**
   * A record whose processing failed the job {@code moc.input.poison-pill.failures} times in a row
   * (an error no validation caught): skipped so that the job can go on; the error names the last
   * failure.
   */
  POISON_PILL
}
