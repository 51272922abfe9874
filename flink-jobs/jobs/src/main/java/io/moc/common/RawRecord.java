package io.moc.common;

/**
 * A Kafka record as read, before decoding, so that a record that cannot be decoded still reaches
 * the dead-letter topic with its coordinates and bytes. A Flink POJO.
 */
public class RawRecord {
  public String topic;
  public int partition;
  public long offset;

  /** The broker's timestamp of the record (append time on our topics). */
  public long timestamp;

  public byte[] key;
  public byte[] value;

  public RawRecord() {}

  public RawRecord(
      String topic, int partition, long offset, long timestamp, byte[] key, byte[] value) {
    this.topic = topic;
    this.partition = partition;
    this.offset = offset;
    this.timestamp = timestamp;
    this.key = key;
    this.value = value;
  }
}
