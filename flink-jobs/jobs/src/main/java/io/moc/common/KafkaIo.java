package io.moc.common;

import io.moc.kafka.KafkaConnection;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.sink.KafkaSinkBuilder;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * The Kafka sources and sinks of both jobs, built one way: every client gets the deployment's
 * connection properties (security included), every source reads raw records that the job's guard
 * and validators check, and every sink names its delivery guarantee.
 */
public final class KafkaIo {

  private final KafkaConnection kafka;

  public KafkaIo(KafkaConnection kafka) {
    this.kafka = kafka;
  }

  /**
   * An input the group consumes: from its committed offsets, from the earliest when it has none.
   */
  public KafkaSource<RawRecord> consumed(String topic, String groupId) {
    return source(topic, groupId, OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
        .build();
  }

  /**
   * A topic read whole from the beginning on a fresh start (a restored job resumes from its
   * checkpointed offsets): the compacted topics whose every record is current state.
   */
  public KafkaSource<RawRecord> whole(String topic, String groupId) {
    return source(topic, groupId, OffsetsInitializer.earliest()).build();
  }

  /** As {@link #whole}, of committed transactions only: for topics written transactionally. */
  public KafkaSource<RawRecord> wholeCommitted(String topic, String groupId) {
    return source(topic, groupId, OffsetsInitializer.earliest())
        .setProperty("isolation.level", "read_committed")
        .build();
  }

  private KafkaSourceBuilder<RawRecord> source(
      String topic, String groupId, OffsetsInitializer start) {
    return KafkaSource.<RawRecord>builder()
        .setBootstrapServers(kafka.bootstrapServers())
        .setProperties(kafka.clientProperties())
        .setTopics(topic)
        .setGroupId(groupId)
        .setStartingOffsets(start)
        .setDeserializer(new RawRecordDeserializer());
  }

  /**
   * A sink for idempotent or deduplicated output (upserts on a compacted topic, dead letters, model
   * snapshots numbered above the topic's highest): visible at once, never lost.
   */
  public <T> KafkaSink<T> atLeastOnce(KafkaRecordSerializationSchema<T> serializer) {
    return sink(serializer, DeliveryGuarantee.AT_LEAST_ONCE).build();
  }

  /** As {@link #atLeastOnce}, with producer settings of its own (for example linger.ms). */
  public <T> KafkaSink<T> atLeastOnce(
      KafkaRecordSerializationSchema<T> serializer, String property, String value) {
    return sink(serializer, DeliveryGuarantee.AT_LEAST_ONCE).setProperty(property, value).build();
  }

  /**
   * A transactional sink: what it writes is visible once the checkpoint that covers it completes,
   * and never twice, also across failures.
   */
  public <T> KafkaSink<T> exactlyOnce(
      KafkaRecordSerializationSchema<T> serializer, String transactionalIdPrefix) {
    return sink(serializer, DeliveryGuarantee.EXACTLY_ONCE)
        .setTransactionalIdPrefix(transactionalIdPrefix)
        // Kafka's longest by default (transaction.max.timeout.ms): a slow checkpoint must not
        // abort the transaction it is about to commit.
        .setProperty("transaction.timeout.ms", "600000")
        .build();
  }

  /** The dead-letter sink of a job: at least once, every letter bounded to fit the broker. */
  public KafkaSink<DeadLetterRecord> deadLetters(String topic) {
    return atLeastOnce(DeadLetterRecord.serializer(topic));
  }

  private <T> KafkaSinkBuilder<T> sink(
      KafkaRecordSerializationSchema<T> serializer, DeliveryGuarantee guarantee) {
    return KafkaSink.<T>builder()
        .setKafkaProducerConfig(kafka.clientProperties())
        .setBootstrapServers(kafka.bootstrapServers())
        .setRecordSerializer(serializer)
        .setDeliveryGuarantee(guarantee);
  }
}
