package io.moc.common;

/**
 * The check every record of a topic keyed by item id must pass: an item id, a key, and the key
 * being that id. Compaction keeps the latest record per key and a tombstone deletes by key, so a
 * key that is not the item would let the item's data outlive its deletion or overwrite another's.
 *
 * @param reason why the record is rejected
 * @param error what exactly is wrong, for the dead letter
 */
public record ItemKeyCheck(DeadLetterReason reason, String error) {

  /** The problem with {@code key} for {@code itemId}, or null when there is none. */
  public static ItemKeyCheck of(String key, String itemId) {
    if (itemId == null || itemId.isBlank()) {
      return new ItemKeyCheck(DeadLetterReason.MISSING_ID, "item_id is empty");
    }
    if (key == null) {
      return new ItemKeyCheck(
          DeadLetterReason.MISSING_KEY, "record of item '" + itemId + "' has no key");
    }
    if (!key.equals(itemId)) {
      return new ItemKeyCheck(
          DeadLetterReason.KEY_MISMATCH, "key '" + key + "' is not item_id '" + itemId + "'");
    }
    return null;
  }
}
