package io.moc.common;

import io.moc.kafka.KafkaConnection;
import io.moc.kafka.TopicTail;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;

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
  static PublishedVersions onTopic(KafkaConnection kafka, String topic) {
    return () -> {
      long[] highest = {-1};
      try (TopicTail tail = new TopicTail(kafka, topic)) {
        tail.readToEnd(r -> highest[0] = Math.max(highest[0], parse(r.key())));
      }
      return highest[0];
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
