package io.moc.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** A real single-node KRaft Kafka cluster inside the test JVM, and clients for it. */
final class EmbeddedKafka implements AutoCloseable {

  /**
   * One broker for all tests of a class ({@code @RegisterExtension static final}): started before
   * the class's {@code @BeforeAll} methods, closed after its {@code @AfterAll} ones.
   */
  static final class PerClass implements BeforeAllCallback, AfterAllCallback {
    private EmbeddedKafka kafka;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
      kafka = start();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
      if (kafka != null) {
        kafka.close();
        kafka = null;
      }
    }

    EmbeddedKafka get() {
      if (kafka == null) {
        throw new IllegalStateException("the broker runs only while the test class does");
      }
      return kafka;
    }
  }

  private final KafkaClusterTestKit cluster;

  private EmbeddedKafka(KafkaClusterTestKit cluster) {
    this.cluster = cluster;
  }

  static EmbeddedKafka start() throws Exception {
    KafkaClusterTestKit cluster =
        new KafkaClusterTestKit.Builder(
                new TestKitNodes.Builder()
                    .setCombined(true)
                    .setNumBrokerNodes(1)
                    .setNumControllerNodes(1)
                    .build())
            .setConfigProp("offsets.topic.replication.factor", "1")
            .setConfigProp("transaction.state.log.replication.factor", "1")
            .setConfigProp("transaction.state.log.min.isr", "1")
            .setConfigProp("group.initial.rebalance.delay.ms", "0")
            .build();
    cluster.format();
    cluster.startup();
    cluster.waitForReadyBrokers();
    return new EmbeddedKafka(cluster);
  }

  String bootstrapServers() {
    return cluster.bootstrapServers();
  }

  KafkaProducer<byte[], byte[]> producer() {
    return producer(bootstrapServers());
  }

  /** A producer of raw records to any broker (acks=all, one request in flight). */
  static KafkaProducer<byte[], byte[]> producer(String bootstrapServers) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    // Tests publish to topics the first send creates. With several requests in flight, batches
    // after a first one refused as NOT_LEADER_OR_FOLLOWER landed before it on the new leader, and
    // its retry then failed for ever with OUT_OF_ORDER_SEQUENCE_NUMBER: one at a time keeps order.
    p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    return new KafkaProducer<>(p);
  }

  /**
   * Reads {@code topic} from the beginning (committed records only) until {@code done} holds for
   * everything read so far, or fails after {@code timeout}.
   */
  List<ConsumerRecord<byte[], byte[]>> readUntil(
      String topic, Duration timeout, Predicate<List<ConsumerRecord<byte[], byte[]>>> done) {
    return readUntil(bootstrapServers(), topic, timeout, done);
  }

  /** As {@link #readUntil(String, Duration, Predicate)}, on any broker. */
  static List<ConsumerRecord<byte[], byte[]>> readUntil(
      String bootstrapServers,
      String topic,
      Duration timeout,
      Predicate<List<ConsumerRecord<byte[], byte[]>>> done) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "it-" + UUID.randomUUID());
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
      consumer.subscribe(List.of(topic));
      while (!done.test(records)) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError(
              "condition on topic "
                  + topic
                  + " not met within "
                  + timeout
                  + " ("
                  + records.size()
                  + " records read)");
        }
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
    }
    return records;
  }

  /**
   * The log end offset of partition {@code partition} of {@code topic}: how many records the broker
   * holds in it (without transactions, offsets have no gaps).
   */
  long endOffset(String topic, int partition) throws Exception {
    TopicPartition tp = new TopicPartition(topic, partition);
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    try (Admin admin = Admin.create(p)) {
      return admin.listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp).get().offset();
    }
  }

  @Override
  public void close() throws Exception {
    cluster.close();
  }
}
