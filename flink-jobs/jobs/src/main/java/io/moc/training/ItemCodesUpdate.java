package io.moc.training;

/** An item's codes as read from the item-codes topic, or its deletion. A Flink POJO. */
public class ItemCodesUpdate {
  public String itemId;
  public boolean deleted;
  public long codebookVersion;

  /** One code per codebook. */
  public int[] codes;

  /** The event time of the item version the codes were computed from. */
  public long itemEventTime;

  public ItemCodesUpdate() {}

  public static ItemCodesUpdate deletion(String itemId) {
    ItemCodesUpdate u = new ItemCodesUpdate();
    u.itemId = itemId;
    u.deleted = true;
    return u;
  }
}
