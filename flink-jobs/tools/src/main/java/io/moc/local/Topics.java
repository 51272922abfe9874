package io.moc.local;

import io.moc.common.KafkaOptions;
import io.moc.kafka.KafkaConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * The topics of the system and their settings. Item and code topics use the broker's append time,
 * so latency from items to item-codes is measured on one clock; item-codes and codebooks are
 * compacted (latest codes per item; every version, keyed by version).
 */
public final class Topics {

  private Topics() {}

  public static List<NewTopic> definitions(ReadableConfig config, int partitions) {
    Map<String, String> appendTime = Map.of("message.timestamp.type", "LogAppendTime");
    Map<String, String> compacted =
        Map.of("cleanup.policy", "compact", "message.timestamp.type", "LogAppendTime");
    List<NewTopic> topics = new ArrayList<>();
    topics.add(topic(config.get(KafkaOptions.ITEMS_TOPIC), partitions, appendTime));
    topics.add(topic(config.get(KafkaOptions.IMPRESSIONS_TOPIC), partitions, appendTime));
    topics.add(topic(config.get(KafkaOptions.ITEM_CODES_TOPIC), partitions, compacted));
    topics.add(topic(config.get(KafkaOptions.CODEBOOKS_TOPIC), 1, compacted));
    topics.add(topic(config.get(KafkaOptions.CTR_MODELS_TOPIC), 1, compacted));
    topics.add(topic(config.get(KafkaOptions.DEAD_LETTERS_TOPIC), 1, appendTime));
    return topics;
  }

  private static NewTopic topic(String name, int partitions, Map<String, String> configs) {
    return new NewTopic(name, partitions, (short) 1).configs(configs);
  }

  /** Creates the topics that do not exist yet (an existing topic is left as it is). */
  public static void create(String bootstrapServers, List<NewTopic> topics) throws Exception {
    create(KafkaConnection.plaintext(bootstrapServers), topics);
  }

  /** As {@link #create(String, List)}, with the cluster's client settings. */
  public static void create(KafkaConnection kafka, List<NewTopic> topics) throws Exception {
    Properties props = kafka.clientProperties();
    try (Admin admin = Admin.create(props)) {
      Set<String> existing = admin.listTopics().names().get();
      List<NewTopic> missing = topics.stream().filter(t -> !existing.contains(t.name())).toList();
      if (!missing.isEmpty()) {
        admin.createTopics(missing).all().get();
      }
    }
  }
}
