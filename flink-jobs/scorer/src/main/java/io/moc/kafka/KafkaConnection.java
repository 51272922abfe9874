package io.moc.kafka;

import java.io.Serializable;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Where a Kafka cluster is and how to talk to it: the bootstrap servers and the client properties
 * every consumer, producer and admin client of the project gets (security protocol, SASL, TLS). The
 * jobs read it from {@code moc.kafka.bootstrap-servers} and {@code moc.kafka.properties.*}.
 */
public record KafkaConnection(String bootstrapServers, Map<String, String> properties)
    implements Serializable {

  public KafkaConnection {
    properties = Map.copyOf(new TreeMap<>(properties));
  }

  /** A cluster reached without any client settings beyond the defaults (plaintext). */
  public static KafkaConnection plaintext(String bootstrapServers) {
    return new KafkaConnection(bootstrapServers, Map.of());
  }

  /** The same client settings against other bootstrap servers. */
  public KafkaConnection withBootstrapServers(String servers) {
    return new KafkaConnection(servers, properties);
  }

  /** The client properties and the bootstrap servers: the base of every client's config. */
  public Properties clientProperties() {
    Properties p = new Properties();
    p.putAll(properties);
    p.setProperty("bootstrap.servers", bootstrapServers);
    return p;
  }

  /**
   * A raw-bytes reader of whole topics: from the beginning, committed records only (codebook
   * versions are transactional; an aborted one was never published), never committing offsets. How
   * the scorer, the monitors, the audit and the benchmarks read.
   */
  public Properties bytesReaderProperties() {
    Properties p = clientProperties();
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    return p;
  }
}
