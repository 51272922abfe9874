package io.moc.training;

import io.moc.common.KafkaOptions;
import java.time.Duration;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;

/** Options of the CTR training job; {@link #read} is the one place they are read. */
public final class TrainingOptions {

  private TrainingOptions() {}

  public static final ConfigOption<String> GROUP_ID =
      ConfigOptions.key("moc.training.group-id")
          .stringType()
          .defaultValue("moc-training")
          .withDescription(
              "Kafka consumer group of the training job (offsets are also in checkpoints).");

  public static final ConfigOption<Integer> MAX_PENDING_PER_ITEM =
      ConfigOptions.key("moc.training.join.max-pending-per-item")
          .intType()
          .defaultValue(100)
          .withDescription(
              "Most impressions that wait in state for one item's codes; one more is dead-lettered"
                  + " at once (PENDING_LIMIT_EXCEEDED). 0: no impression waits.");

  public static final ConfigOption<Duration> JOIN_TIMEOUT =
      ConfigOptions.key("moc.training.join.timeout")
          .durationType()
          .defaultValue(Duration.ofSeconds(60))
          .withDescription(
              "Longest (processing time) an impression waits for its item's codes before it is"
                  + " dead-lettered (IMPRESSION_WITHOUT_CODES). Codes normally trail an item's first"
                  + " impressions by the indexing latency, about a second.");

  /** Reads every option of the job, with the topics, into immutable settings. */
  public static TrainingSettings read(ReadableConfig config) {
    return new TrainingSettings(
        config.get(KafkaOptions.BOOTSTRAP_SERVERS),
        config.get(KafkaOptions.IMPRESSIONS_TOPIC),
        config.get(KafkaOptions.ITEM_CODES_TOPIC),
        config.get(KafkaOptions.DEAD_LETTERS_TOPIC),
        config.get(GROUP_ID),
        config.get(MAX_PENDING_PER_ITEM),
        config.get(JOIN_TIMEOUT).toMillis());
  }
}
