package io.moc.indexing;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The highest codebook version number already on the codebooks topic, valid or not, so that a job
 * started without state never publishes a number twice. Read when the trainer starts fresh and
 * before it numbers each later version (versions rejected by validation never reach it otherwise).
 */
@FunctionalInterface
public interface PublishedVersions extends Serializable {

  /** The highest version published so far, or -1 when none is. */
  long highest() throws Exception;

  /** Reads every committed key of {@code topic} (compacted and small: one record per version). */
  static PublishedVersions onTopic(String bootstrapServers, String topic) {
    return () -> {
      Properties p = new Properties();
      p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
      p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
      p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
      p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
      p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
      long highest = -1;
      try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
        List<TopicPartition> partitions =
            consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(info -> new TopicPartition(topic, info.partition()))
                .toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("could not read " + topic + " to its end in 60 s");
          }
          for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
            highest = Math.max(highest, parse(r.key()));
          }
        }
      }
      return highest;
    };
  }

  private static long parse(byte[] key) {
    try {
      return key == null ? -1 : Long.parseLong(new String(key, StandardCharsets.UTF_8).trim());
    } catch (NumberFormatException notAVersion) {
      return -1;
    }
  }
}
