package io.moc.source;

import io.moc.avro.ImpressionEvent;
import io.moc.avro.ItemEvent;
import java.util.Objects;

/**
 * One event of a {@link CatalogSource}: either a catalog item or an impression, with its event
 * time.
 *
 * <p>The event time is captured when the wrapper is created, because the wrapped Avro records are
 * mutable and ordering guarantees must not depend on nobody touching them later.
 */
public sealed interface SourceEvent permits SourceEvent.Item, SourceEvent.Impression {

  /** Event time in epoch milliseconds. */
  long eventTimeMs();

  /** The Kafka record key: the item id for items, the user id for impressions. */
  String key();

  static Item of(ItemEvent item) {
    return new Item(item, item.getEventTime().toEpochMilli());
  }

  static Impression of(ImpressionEvent impression) {
    return new Impression(impression, impression.getEventTime().toEpochMilli());
  }

  /** A new, changed or re-published catalog item. */
  record Item(ItemEvent item, long eventTimeMs) implements SourceEvent {
    public Item {
      Objects.requireNonNull(item, "item");
    }

    @Override
    public String key() {
      return item.getItemId();
    }
  }

  /** An item shown to a user, clicked or not. */
  record Impression(ImpressionEvent impression, long eventTimeMs) implements SourceEvent {
    public Impression {
      Objects.requireNonNull(impression, "impression");
    }

    @Override
    public String key() {
      return impression.getUserId();
    }
  }
}
