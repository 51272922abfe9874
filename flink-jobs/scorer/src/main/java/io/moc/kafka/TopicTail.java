package io.moc.kafka;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/**
 * Every committed record of a topic from its beginning, read in steps up to the end the topic has
 * when each step starts. No consumer group: a scorer needs the whole compacted topic each time it
 * starts, and committing positions would only make another instance skip records.
 */
public final class TopicTail implements AutoCloseable {

  /** Given up on when the position has not moved for this long while behind the end. */
  private static final Duration STALL = Duration.ofSeconds(60);

  private static final Duration METADATA = Duration.ofSeconds(30);

  private final String topic;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final List<TopicPartition> partitions;

  public TopicTail(String bootstrapServers, String topic) {
    this(KafkaConnection.plaintext(bootstrapServers), topic);
  }

  public TopicTail(KafkaConnection kafka, String topic) {
    this.topic = topic;
    // Committed records only: the trainer's snapshots were transactional before they became
    // at-least-once, and a transaction such a trainer left open holds readers at its start until
    // the broker times it out.
    consumer = new KafkaConsumer<>(kafka.bytesReaderProperties());
    try {
      partitions = assignFromBeginning(consumer, List.of(topic));
    } catch (RuntimeException e) {
      consumer.close();
      throw e;
    }
  }

  /**
   * Assigns every partition of {@code topics} to {@code consumer}, at the beginning. Without a
   * group there is no rebalance: a consumer that a broker outage expelled from its group would read
   * again from its last commit, and a monitor would count those records twice.
   *
   * @throws IllegalStateException when a topic does not exist
   */
  public static List<TopicPartition> assignFromBeginning(
      org.apache.kafka.clients.consumer.Consumer<?, ?> consumer, List<String> topics) {
    List<TopicPartition> partitions = new java.util.ArrayList<>();
    for (String topic : topics) {
      List<PartitionInfo> infos = consumer.partitionsFor(topic, METADATA);
      if (infos == null || infos.isEmpty()) {
        throw new IllegalStateException("topic " + topic + " does not exist");
      }
      infos.forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
    }
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    return List.copyOf(partitions);
  }

  /**
   * Hands each record up to the topic's current end to {@code each}, in offset order within a
   * partition (so per key, as compaction orders them).
   *
   * @throws IllegalStateException when reading stalls before the end
   */
  public void readToEnd(Consumer<ConsumerRecord<byte[], byte[]>> each) {
    Map<TopicPartition, Long> end = consumer.endOffsets(partitions, METADATA);
    long progress = positions();
    long movedAt = System.nanoTime();
    while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
      consumer.poll(Duration.ofMillis(200)).forEach(each);
      // Positions also move over aborted transactions and markers, which return no records.
      long now = positions();
      if (now != progress) {
        progress = now;
        movedAt = System.nanoTime();
      } else if (System.nanoTime() - movedAt > STALL.toNanos()) {
        throw new IllegalStateException(
            "reading " + topic + " stalled for " + STALL.toSeconds() + " s before its end " + end);
      }
    }
  }

  private long positions() {
    long sum = 0;
    for (TopicPartition tp : partitions) {
      sum += consumer.position(tp);
    }
    return sum;
  }

  @Override
  public void close() {
    consumer.close();
  }
}
