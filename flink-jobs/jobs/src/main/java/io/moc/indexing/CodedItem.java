package io.moc.indexing;

/**
 * An item's codes under one codebook version, or its deletion. A Flink POJO; ItemCodes on Kafka.
 */
public class CodedItem {
  public String itemId;
  public boolean deleted;
  public long codebookVersion;
  public int[] codes;
  public float quantizationError;
  public long itemEventTime;
  public long codedTime;

  public CodedItem() {}

  public static CodedItem deletion(String itemId) {
    CodedItem c = new CodedItem();
    c.itemId = itemId;
    c.deleted = true;
    c.codedTime = System.currentTimeMillis();
    return c;
  }
}
