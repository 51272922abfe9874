package io.moc.common;

import io.moc.kafka.KafkaConnection;
import java.util.Map;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;

/** Where the jobs find Kafka and what the topics are called. */
public final class KafkaOptions {

  private KafkaOptions() {}

  public static final ConfigOption<String> BOOTSTRAP_SERVERS =
      ConfigOptions.key("moc.kafka.bootstrap-servers")
          .stringType()
          .defaultValue("localhost:9092")
          .withDescription("Kafka bootstrap servers of the cluster that holds every moc topic.");

  public static final ConfigOption<Map<String, String>> PROPERTIES =
      ConfigOptions.key("moc.kafka.properties")
          .mapType()
          .defaultValue(Map.of())
          .withDescription(
              "Kafka client properties for every source, sink, admin client, the feeder, the"
                  + " scorer and bin/moc audit, one key each:"
                  + " moc.kafka.properties.security.protocol: SASL_SSL,"
                  + " moc.kafka.properties.sasl.mechanism: SCRAM-SHA-256, ...");

  public static final ConfigOption<String> ITEMS_TOPIC =
      ConfigOptions.key("moc.topics.items")
          .stringType()
          .defaultValue("items")
          .withDescription(
              "Topic of ItemEvent records, key = item id; a tombstone deletes an item.");

  public static final ConfigOption<String> IMPRESSIONS_TOPIC =
      ConfigOptions.key("moc.topics.impressions")
          .stringType()
          .defaultValue("impressions")
          .withDescription("Topic of ImpressionEvent records, key = user id.");

  public static final ConfigOption<String> ITEM_CODES_TOPIC =
      ConfigOptions.key("moc.topics.item-codes")
          .stringType()
          .defaultValue("item-codes")
          .withDescription("Compacted topic of ItemCodes records, key = item id.");

  public static final ConfigOption<String> CODEBOOKS_TOPIC =
      ConfigOptions.key("moc.topics.codebooks")
          .stringType()
          .defaultValue("codebooks")
          .withDescription("Topic of CodebookVersion records, key = version.");

  public static final ConfigOption<String> CTR_MODELS_TOPIC =
      ConfigOptions.key("moc.topics.ctr-models")
          .stringType()
          .defaultValue("ctr-models")
          .withDescription("Topic of ModelSnapshot records, key = version.");

  public static final ConfigOption<String> DEAD_LETTERS_TOPIC =
      ConfigOptions.key("moc.topics.dead-letters")
          .stringType()
          .defaultValue("dead-letters")
          .withDescription(
              "Topic of DeadLetter records: every input a job could not process, with why.");

  /** The configured cluster. */
  public static KafkaConnection connection(ReadableConfig config) {
    return new KafkaConnection(config.get(BOOTSTRAP_SERVERS), config.get(PROPERTIES));
  }
}
