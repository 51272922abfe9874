package io.moc.common;

import io.moc.kafka.KafkaConnection;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a job can reach its Kafka cluster, asked every few seconds: the Kafka source and sink
 * only retry and log at DEBUG while the broker is gone, so without this a job with no broker looks
 * RUNNING and healthy on the dashboard.
 */
public final class KafkaAvailability implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaAvailability.class);
  static final long CHECK_EVERY_MS = 3000;

  private final String bootstrapServers;
  private final Admin admin;
  private final ScheduledExecutorService checker;
  private volatile boolean available = true;
  private volatile long unavailableSince = -1;

  private KafkaAvailability(KafkaConnection kafka) {
    this.bootstrapServers = kafka.bootstrapServers();
    Properties p = kafka.clientProperties();
    p.put(AdminClientConfig.CLIENT_ID_CONFIG, "moc-availability");
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "2000");
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "2500");
    p.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "1000");
    this.admin = Admin.create(p);
    this.checker =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "moc-kafka-availability");
              t.setDaemon(true);
              return t;
            });
  }

  /** Starts checking {@code kafka} every 3 s. */
  public static KafkaAvailability start(KafkaConnection kafka) {
    KafkaAvailability availability = new KafkaAvailability(kafka);
    availability.checker.scheduleWithFixedDelay(
        availability::check, 0, CHECK_EVERY_MS, TimeUnit.MILLISECONDS);
    return availability;
  }

  /** 1 while the last check reached a broker, else 0. */
  public int available() {
    return available ? 1 : 0;
  }

  /** Milliseconds since the broker was last reachable; 0 while it is. */
  public long unavailableMillis() {
    long since = unavailableSince;
    return since < 0 ? 0 : System.currentTimeMillis() - since;
  }

  private void check() {
    boolean reached;
    Exception problem = null;
    try {
      reached =
          !admin
              .describeCluster(new DescribeClusterOptions().timeoutMs(2500))
              .nodes()
              .get(3, TimeUnit.SECONDS)
              .isEmpty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    } catch (Exception e) {
      reached = false;
      problem = e;
    }
    if (reached && !available) {
      LOG.info(
          "Kafka at {} is reachable again after {} s",
          bootstrapServers,
          unavailableMillis() / 1000);
      unavailableSince = -1;
    } else if (!reached && available) {
      unavailableSince = System.currentTimeMillis();
      LOG.warn(
          "Kafka at {} is unreachable ({}): the job waits for it; nothing is lost",
          bootstrapServers,
          problem == null ? "no brokers" : problem.toString());
    }
    available = reached;
  }

  @Override
  public void close() {
    checker.shutdownNow();
    admin.close(java.time.Duration.ofSeconds(2));
  }
}
