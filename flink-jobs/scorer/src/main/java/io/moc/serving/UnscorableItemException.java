package io.moc.serving;

/**
 * The item has no codes the current model can read: it is unknown (never coded, or deleted), its
 * latest codes are of another codebook version, or they do not fit the model's contract. Scoring it
 * anyway would rank it by features that mean something else.
 */
public class UnscorableItemException extends RuntimeException {

  private final String itemId;

  public UnscorableItemException(String itemId, String reason) {
    super("item '" + itemId + "' cannot be scored: " + reason);
    this.itemId = itemId;
  }

  public String itemId() {
    return itemId;
  }
}
