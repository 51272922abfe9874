package io.moc.source;

import java.util.Iterator;

/**
 * A stream of catalog items and impressions in non-decreasing event-time order. It may be unbounded
 * ({@link #hasNext()} never returns false). Not thread-safe.
 */
public interface CatalogSource extends Iterator<SourceEvent>, AutoCloseable {

  /** A one-line human-readable description, for logs and reports. */
  String describe();

  @Override
  default void close() {}
}
