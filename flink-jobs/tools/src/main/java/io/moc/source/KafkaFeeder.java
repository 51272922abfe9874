package io.moc.source;

import io.moc.avro.ImpressionEvent;
import io.moc.avro.ItemEvent;
import io.moc.kafka.KafkaConnection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes a {@link CatalogSource} to Kafka: items to the items topic keyed by item id,
 * impressions to the impressions topic keyed by user id, both in Avro single-object encoding, paced
 * by a {@link Pacing}.
 *
 * <p>For every item the broker acknowledges, the feeder keeps the record's timestamp from the
 * acknowledgement. On topics with {@code message.timestamp.type=LogAppendTime} that is the time the
 * broker appended it, the start of the end-to-end latency of the item's codes. Records carry no
 * timestamp of their own, so that replayed years-old event times cannot make the broker expire them
 * at once.
 *
 * <p>{@link #run} is meant for one thread; the counters, the append times and {@link #sendRaw} may
 * be used from any thread meanwhile. The feeder owns the producer and the source and closes both.
 */
public final class KafkaFeeder implements AutoCloseable {

  /** Why {@link #run} returned. */
  public enum Outcome {
    /** The source has no more events. */
    EXHAUSTED,
    /** The run's maximum duration was reached; a later run continues where this one stopped. */
    TIME_LIMIT,
    /** The stop condition became true; a later run continues where this one stopped. */
    STOPPED
  }

  private static final Logger LOG = LoggerFactory.getLogger(KafkaFeeder.class);
  private static final long MIN_BACK_OFF_MS = 500;
  private static final long MAX_BACK_OFF_MS = 30_000;

  // Bounds how late a stop request or the time limit is noticed while waiting for a due time.
  private static final long MAX_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  private final Producer<byte[], byte[]> producer;
  private final CatalogSource source;
  private final Pacing pacing;
  private final String itemsTopic;
  private final String impressionsTopic;
  private final ConcurrentHashMap<String, Long> appendTimes = new ConcurrentHashMap<>();
  private final AtomicLong itemsPublished = new AtomicLong();
  private final AtomicLong impressionsPublished = new AtomicLong();
  private final AtomicLong failedSends = new AtomicLong();
  private final AtomicReference<Exception> firstFailure = new AtomicReference<>();
  // Events the producer gave up on while the broker was away (a retriable error after its own
  // retries): sent again, after a back-off, before anything new.
  private final ConcurrentLinkedQueue<SourceEvent> toResend = new ConcurrentLinkedQueue<>();
  private final AtomicLong resent = new AtomicLong();
  private volatile long unreachableSince = -1;
  private volatile long backOffMs = MIN_BACK_OFF_MS;
  private SourceEvent pending;

  /** A feeder with its own producer configured by {@link #producerProperties(KafkaConnection)}. */
  public KafkaFeeder(
      KafkaConnection kafka,
      CatalogSource source,
      Pacing pacing,
      String itemsTopic,
      String impressionsTopic) {
    this(
        new KafkaProducer<>(producerProperties(kafka)),
        source,
        pacing,
        itemsTopic,
        impressionsTopic);
  }

  public KafkaFeeder(
      Producer<byte[], byte[]> producer,
      CatalogSource source,
      Pacing pacing,
      String itemsTopic,
      String impressionsTopic) {
    this.producer = Objects.requireNonNull(producer, "producer");
    this.source = Objects.requireNonNull(source, "source");
    this.pacing = Objects.requireNonNull(pacing, "pacing");
    this.itemsTopic = Objects.requireNonNull(itemsTopic, "itemsTopic");
    this.impressionsTopic = Objects.requireNonNull(impressionsTopic, "impressionsTopic");
  }

  /**
   * Producer settings for the feeder: every record acknowledged by all in-sync replicas and written
   * exactly once per send even when the producer retries, with a short linger for batching.
   */
  public static Properties producerProperties(String bootstrapServers) {
    return producerProperties(KafkaConnection.plaintext(bootstrapServers));
  }

  /** As {@link #producerProperties(String)}, with the cluster's client settings. */
  public static Properties producerProperties(KafkaConnection kafka) {
    Properties props = kafka.clientProperties();
    props.setProperty(ProducerConfig.ACKS_CONFIG, "all");
    props.setProperty(ProducerConfig.LINGER_MS_CONFIG, "5");
    props.setProperty(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    props.setProperty(ProducerConfig.CLIENT_ID_CONFIG, "moc-feeder");
    // While the broker is away, give up on a send within half a minute and let run() resend it
    // after a back-off, rather than block the feed for the default two minutes per record.
    props.setProperty(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
    props.setProperty(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
    props.setProperty(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
    props.setProperty(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "2000");
    props.setProperty(
        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    props.setProperty(
        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    return props;
  }

  /**
   * Sends events until the source is exhausted, {@code maxDuration} has passed or {@code stop}
   * returns true, then waits until everything sent is acknowledged. The pacing's clock starts anew
   * with each run.
   *
   * @throws IllegalStateException if the broker rejected a record, after all the producer's retries
   * @throws InterruptedException if the thread is interrupted while waiting for an event's due time
   */
  public Outcome run(Duration maxDuration, BooleanSupplier stop) throws InterruptedException {
    long start = System.nanoTime();
    long limit = saturatedNanos(maxDuration);
    Long firstEventTimeMs = null;
    long items = 0;
    Outcome outcome;
    while (true) {
      throwIfFailed();
      if (stop.getAsBoolean()) {
        outcome = Outcome.STOPPED;
        break;
      }
      if (!toResend.isEmpty()) {
        if (!resendAfterBackOff(stop)) {
          outcome = Outcome.STOPPED;
          break;
        }
        continue;
      }
      if (pending == null) {
        if (!source.hasNext()) {
          outcome = Outcome.EXHAUSTED;
          break;
        }
        pending = source.next();
      }
      if (firstEventTimeMs == null) {
        firstEventTimeMs = pending.eventTimeMs();
      }
      Outcome interrupted =
          awaitDue(start, pacing.dueNanos(firstEventTimeMs, pending, items), limit, stop);
      if (interrupted != null) {
        outcome = interrupted;
        break;
      }
      send(pending);
      if (pending instanceof SourceEvent.Item) {
        items++;
      }
      pending = null;
    }
    producer.flush();
    // What the broker's absence made the producer give up on at the end is still owed.
    while (!toResend.isEmpty() && resendAfterBackOff(stop)) {
      producer.flush();
    }
    throwIfFailed();
    if (!toResend.isEmpty()) {
      LOG.warn("{} records not published: Kafka was unreachable when the feed stopped", unsent());
    }
    return outcome;
  }

  /**
   * Waits a back-off that doubles with each attempt while the broker stays away (0.5 s to 30 s),
   * then sends again what the producer gave up on. Returns false if {@code stop} came first.
   */
  private boolean resendAfterBackOff(BooleanSupplier stop) throws InterruptedException {
    long waitMs = backOffMs;
    backOffMs = Math.min(MAX_BACK_OFF_MS, backOffMs * 2);
    LOG.warn(
        "Kafka unreachable: {} records to send again; retrying in {} ms", toResend.size(), waitMs);
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMs);
    while (System.nanoTime() < until) {
      if (stop.getAsBoolean()) {
        return false;
      }
      TimeUnit.NANOSECONDS.sleep(Math.min(until - System.nanoTime(), MAX_WAIT_NANOS));
    }
    SourceEvent event;
    int n = toResend.size();
    for (int i = 0; i < n && (event = toResend.poll()) != null; i++) {
      resent.incrementAndGet();
      send(event);
    }
    return true;
  }

  /**
   * Sends a record as is, for injecting malformed input. It does not count as a published item or
   * impression.
   */
  public Future<RecordMetadata> sendRaw(String topic, byte[] key, byte[] value) {
    return producer.send(new ProducerRecord<>(topic, key, value));
  }

  /**
   * Per item id, the broker timestamp of the latest acknowledged publication of that item. A live
   * view, safe to read while the feeder runs.
   */
  public Map<String, Long> appendTimes() {
    return Collections.unmodifiableMap(appendTimes);
  }

  /** Item records the broker has acknowledged. */
  public long itemsPublished() {
    return itemsPublished.get();
  }

  /** Impression records the broker has acknowledged. */
  public long impressionsPublished() {
    return impressionsPublished.get();
  }

  /** Item and impression records Kafka refused for good (not retriable: too large, forbidden). */
  public long failedSends() {
    return failedSends.get();
  }

  /** Sends repeated because the broker was unreachable. */
  public long resentRecords() {
    return resent.get();
  }

  /** Records the producer gave up on while the broker was away, not yet sent again. */
  public long unsent() {
    return toResend.size();
  }

  @Override
  public void close() {
    try {
      producer.close();
    } finally {
      source.close();
    }
  }

  private void send(SourceEvent event) {
    if (event instanceof SourceEvent.Item item) {
      ItemEvent value = item.item();
      String id = value.getItemId();
      producer.send(
          new ProducerRecord<>(itemsTopic, utf8(id), encode(value::toByteBuffer)),
          (metadata, error) -> {
            if (error != null) {
              failed(event, error);
            } else {
              reachable();
              // Callbacks for one partition run in send order and an id always maps to the same
              // partition, so the last callback is the latest publication.
              appendTimes.put(id, metadata.timestamp());
              itemsPublished.incrementAndGet();
            }
          });
    } else {
      ImpressionEvent value = ((SourceEvent.Impression) event).impression();
      producer.send(
          new ProducerRecord<>(
              impressionsTopic, utf8(value.getUserId()), encode(value::toByteBuffer)),
          (metadata, error) -> {
            if (error != null) {
              failed(event, error);
            } else {
              reachable();
              impressionsPublished.incrementAndGet();
            }
          });
    }
  }

  private void failed(SourceEvent event, Exception error) {
    if (error instanceof RetriableException) {
      if (unreachableSince < 0) {
        unreachableSince = System.nanoTime();
        LOG.warn(
            "Kafka unreachable ({}); the feeder will send again what it could not",
            error.toString());
      }
      toResend.add(event);
    } else {
      fail(error);
    }
  }

  private void reachable() {
    long since = unreachableSince;
    if (since >= 0) {
      unreachableSince = -1;
      backOffMs = MIN_BACK_OFF_MS;
      LOG.info("Kafka reachable again after {} s", (System.nanoTime() - since) / 1_000_000_000);
    }
  }

  private void fail(Exception error) {
    failedSends.incrementAndGet();
    firstFailure.compareAndSet(null, error);
  }

  private void throwIfFailed() {
    Exception failure = firstFailure.get();
    if (failure != null) {
      throw new IllegalStateException(
          "Kafka rejected " + failedSends.get() + " record(s); first error: " + failure, failure);
    }
  }

  // Returns null once the event is due, or why the run must end first.
  private static Outcome awaitDue(long start, long dueNanos, long limitNanos, BooleanSupplier stop)
      throws InterruptedException {
    while (true) {
      long elapsed = System.nanoTime() - start;
      if (elapsed >= limitNanos) {
        return Outcome.TIME_LIMIT;
      }
      if (elapsed >= dueNanos) {
        return null;
      }
      if (stop.getAsBoolean()) {
        return Outcome.STOPPED;
      }
      TimeUnit.NANOSECONDS.sleep(
          Math.min(Math.min(dueNanos, limitNanos) - elapsed, MAX_WAIT_NANOS));
    }
  }

  private static long saturatedNanos(Duration duration) {
    if (duration.isNegative()) {
      return 0;
    }
    return duration.compareTo(Duration.ofNanos(Long.MAX_VALUE)) >= 0
        ? Long.MAX_VALUE
        : duration.toNanos();
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] encode(AvroEncoding encoding) {
    try {
      ByteBuffer buffer = encoding.encode();
      byte[] bytes = new byte[buffer.remaining()];
      buffer.get(bytes);
      return bytes;
    } catch (IOException e) {
      // Encoding a valid record into memory does not do I/O; this means a broken record.
      throw new UncheckedIOException("cannot encode record", e);
    }
  }

  @FunctionalInterface
  private interface AvroEncoding {
    ByteBuffer encode() throws IOException;
  }
}
