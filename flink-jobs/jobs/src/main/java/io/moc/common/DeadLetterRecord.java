package io.moc.common;

/**
 * A record on its way to the dead-letter topic; a Flink POJO that the sink turns into a DeadLetter.
 */
public class DeadLetterRecord {
  public String sourceTopic;
  public int partition;
  public long offset;
  public byte[] key;
  public byte[] value;
  public String reason;
  public String error;
  public long time;

  public DeadLetterRecord() {}

  public static DeadLetterRecord of(RawRecord raw, DeadLetterReason reason, String error) {
    DeadLetterRecord d = new DeadLetterRecord();
    d.sourceTopic = raw.topic;
    d.partition = raw.partition;
    d.offset = raw.offset;
    d.key = raw.key;
    d.value = raw.value;
    d.reason = reason.name();
    d.error = error;
    d.time = System.currentTimeMillis();
    return d;
  }
}
