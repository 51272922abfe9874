package io.moc.common;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The least Kafka ACLs each principal of a deployment needs, for topics named as the configuration
 * names them: a job may write only its own output topics, so that a stolen indexer credential
 * cannot publish a model and a stolen trainer credential cannot publish a codebook. WRITE implies
 * DESCRIBE and idempotent writes, READ on a topic or group implies DESCRIBE (Kafka 3.0 and later).
 */
public final class KafkaAcls {

  private KafkaAcls() {}

  /**
   * The indexing job: reads items and its own codebook versions back, writes item-codes, codebooks
   * (transactionally) and dead-letters.
   */
  public static List<AclBinding> indexer(String principal, ReadableConfig config, String groupId) {
    List<AclBinding> acls = new ArrayList<>();
    topic(acls, principal, config.get(KafkaOptions.ITEMS_TOPIC), AclOperation.READ);
    topic(acls, principal, config.get(KafkaOptions.CODEBOOKS_TOPIC), AclOperation.READ);
    topic(acls, principal, config.get(KafkaOptions.CODEBOOKS_TOPIC), AclOperation.WRITE);
    topic(acls, principal, config.get(KafkaOptions.ITEM_CODES_TOPIC), AclOperation.WRITE);
    topic(acls, principal, config.get(KafkaOptions.DEAD_LETTERS_TOPIC), AclOperation.WRITE);
    job(acls, principal, groupId);
    return acls;
  }

  /**
   * The training job: reads impressions, item-codes, codebooks (the code vectors of a CODE_VECTORS
   * model) and its own snapshots back (to number a fresh or restored start above them), writes
   * ctr-models and dead-letters (both at-least-once).
   */
  public static List<AclBinding> trainer(String principal, ReadableConfig config, String groupId) {
    List<AclBinding> acls = new ArrayList<>();
    topic(acls, principal, config.get(KafkaOptions.IMPRESSIONS_TOPIC), AclOperation.READ);
    topic(acls, principal, config.get(KafkaOptions.ITEM_CODES_TOPIC), AclOperation.READ);
    topic(acls, principal, config.get(KafkaOptions.CODEBOOKS_TOPIC), AclOperation.READ);
    topic(acls, principal, config.get(KafkaOptions.CTR_MODELS_TOPIC), AclOperation.READ);
    topic(acls, principal, config.get(KafkaOptions.CTR_MODELS_TOPIC), AclOperation.WRITE);
    topic(acls, principal, config.get(KafkaOptions.DEAD_LETTERS_TOPIC), AclOperation.WRITE);
    job(acls, principal, groupId);
    return acls;
  }

  /** A catalog and click-stream producer (the feeder): writes items and impressions. */
  public static List<AclBinding> producer(String principal, ReadableConfig config) {
    List<AclBinding> acls = new ArrayList<>();
    topic(acls, principal, config.get(KafkaOptions.ITEMS_TOPIC), AclOperation.WRITE);
    topic(acls, principal, config.get(KafkaOptions.IMPRESSIONS_TOPIC), AclOperation.WRITE);
    return acls;
  }

  /**
   * A reader of everything without a consumer group: {@code bin/moc audit}, the scorer (which needs
   * only ctr-models and item-codes), a dashboard.
   */
  public static List<AclBinding> reader(String principal, ReadableConfig config) {
    List<AclBinding> acls = new ArrayList<>();
    for (var topic :
        List.of(
            KafkaOptions.ITEMS_TOPIC,
            KafkaOptions.IMPRESSIONS_TOPIC,
            KafkaOptions.ITEM_CODES_TOPIC,
            KafkaOptions.CODEBOOKS_TOPIC,
            KafkaOptions.CTR_MODELS_TOPIC,
            KafkaOptions.DEAD_LETTERS_TOPIC)) {
      topic(acls, principal, config.get(topic), AclOperation.READ);
    }
    return acls;
  }

  // The job's consumer groups and transactional ids all start with its group id.
  private static void job(List<AclBinding> acls, String principal, String groupId) {
    acls.add(
        allow(
            new ResourcePattern(ResourceType.GROUP, groupId, PatternType.PREFIXED),
            principal,
            AclOperation.READ));
    acls.add(
        allow(
            new ResourcePattern(ResourceType.TRANSACTIONAL_ID, groupId, PatternType.PREFIXED),
            principal,
            AclOperation.WRITE));
  }

  private static void topic(
      List<AclBinding> acls, String principal, String topic, AclOperation operation) {
    acls.add(
        allow(
            new ResourcePattern(ResourceType.TOPIC, topic, PatternType.LITERAL),
            principal,
            operation));
  }

  private static AclBinding allow(
      ResourcePattern pattern, String principal, AclOperation operation) {
    return new AclBinding(
        pattern, new AccessControlEntry(principal, "*", operation, AclPermissionType.ALLOW));
  }
}
