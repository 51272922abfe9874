package io.moc.bench;

import io.moc.avro.AvroBytes;
import io.moc.avro.ItemEvent;
import io.moc.avro.SchemaHistory;
import io.moc.indexing.IndexingSettings;
import io.moc.kafka.KafkaConnection;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * A synthetic catalog of items with precomputed embeddings (and titles when embeddings are dropped
 * after coding), too large to hold in memory: published one item at a time, and awaited on an
 * output topic by item index in a bit set.
 */
public final class BenchCatalog {

  static final String PREFIX = "bf-";

  /** Where the codebooks come from: vectors of the items' distribution, not the items. */
  static final long CODEBOOK_SEED = 7;

  static final long ITEMS_SEED = 11;

  /** What the user chose for a benchmark over a whole catalog. */
  public record Options(
      Path workDir, int kafkaPort, int items, int parallelism, Configuration jobConfig) {}

  /** The run's machine, catalog and codebook shape: the first keys of each catalog report. */
  public record Shape(
      int cores,
      int parallelism,
      int items,
      int embeddingDimension,
      int numCodebooks,
      int codebookSize,
      String method) {

    static Shape of(Options options, IndexingSettings settings) {
      return new Shape(
          Runtime.getRuntime().availableProcessors(),
          options.parallelism(),
          options.items(),
          settings.embeddingDimension(),
          settings.numCodebooks(),
          settings.codebookSize(),
          settings.codebookMethod());
    }
  }

  private final String bootstrapServers;
  private final int items;

  BenchCatalog(String bootstrapServers, int items) {
    this.bootstrapServers = bootstrapServers;
    this.items = items;
  }

  int items() {
    return items;
  }

  /** The vectors codebook versions are trained on. */
  static List<float[]> codebookSample(IndexingSettings settings) {
    return BenchData.unitVectors(5000, settings.embeddingDimension(), CODEBOOK_SEED);
  }

  /**
   * Publishes the items: random unit vectors as precomputed embeddings of the configured model.
   *
   * @return seconds until the broker acknowledged them all
   */
  double publish(KafkaProducer<byte[], byte[]> producer, IndexingSettings settings) {
    Random random = new Random(ITEMS_SEED);
    long start = System.nanoTime();
    for (int i = 0; i < items; i++) {
      String id = PREFIX + i;
      producer.send(
          new ProducerRecord<>(
              settings.itemsTopic(),
              id.getBytes(StandardCharsets.UTF_8),
              AvroBytes.encode(item(id, i, random, settings))));
    }
    producer.flush();
    return (System.nanoTime() - start) / 1e9;
  }

  /**
   * Item {@code i}: a precomputed embedding, and a title when embeddings are dropped after coding
   * (what a new version then re-embeds, as long as a typical product title).
   */
  private static ItemEvent item(String id, int i, Random random, IndexingSettings settings) {
    ItemEvent item =
        BenchData.precomputedItem(
            id,
            BenchData.unitVector(random, settings.embeddingDimension()),
            settings.embeddingModel());
    if (!settings.holdEmbeddings()) {
      item.setTitle("Bench item " + i + ": hydrating face serum with rose and vitamin C, 30 ml");
    }
    return item;
  }

  /** The broker append times of the first and the last record that completed the catalog. */
  record Span(long first, long last) {
    double seconds() {
      return Math.max(1e-3, (last - first) / 1000.0);
    }
  }

  /** Reads {@code topic} until every item's key has appeared. */
  Span awaitAll(String topic) {
    return awaitAll(topic, r -> true, Map.of());
  }

  /** The end offset of every partition of {@code topic} now: where a later wait starts. */
  Map<TopicPartition, Long> endOffsets(String topic) {
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(readerProperties())) {
      return consumer.endOffsets(partitions(consumer, topic));
    }
  }

  /**
   * Reads {@code topic}, from {@code from} (the start of partitions it leaves out), until every
   * item has a record that {@code counts}; records that do not count are passed over.
   */
  Span awaitAll(
      String topic,
      Predicate<ConsumerRecord<byte[], byte[]>> counts,
      Map<TopicPartition, Long> from) {
    BitSet seen = new BitSet(items);
    int count = 0;
    long first = Long.MAX_VALUE;
    long last = 0;
    long deadline = System.nanoTime() + Duration.ofMinutes(30).toNanos();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(readerProperties())) {
      List<TopicPartition> partitions = partitions(consumer, topic);
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      from.forEach(consumer::seek);
      while (count < items) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "only " + count + " of " + items + " items on " + topic + " in 30 min");
        }
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          String key = new String(r.key(), StandardCharsets.UTF_8);
          if (r.value() == null || !key.startsWith(PREFIX) || !counts.test(r)) {
            continue;
          }
          int i = Integer.parseInt(key, PREFIX.length(), key.length(), 10);
          first = Math.min(first, r.timestamp());
          if (!seen.get(i)) {
            seen.set(i);
            count++;
            last = Math.max(last, r.timestamp());
          }
        }
      }
    }
    return new Span(first, last);
  }

  private Properties readerProperties() {
    Properties p = KafkaConnection.plaintext(bootstrapServers).bytesReaderProperties();
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-" + UUID.randomUUID());
    // Few large fetches: a fetch per handful of records costs the broker, on the same cores, more
    // than the job's own writes. The figures are append times, which fetching late does not move.
    p.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 1 << 20);
    p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 250);
    return p;
  }

  private static List<TopicPartition> partitions(KafkaConsumer<?, ?> consumer, String topic) {
    return consumer.partitionsFor(topic).stream()
        .map(info -> new TopicPartition(topic, info.partition()))
        .toList();
  }

  /**
   * The codebook version of an {@code item-codes} value, read without decoding the rest: the
   * benchmarks' reader shares the job's two cores, and a full decode of every record took a third
   * of them during a re-coding pass. Relies on the current schema's field order (item id, then
   * version), which {@code BenchCatalogTest} checks against the full decode.
   */
  static long codebookVersion(byte[] itemCodes) {
    try {
      BinaryDecoder in =
          DecoderFactory.get()
              .binaryDecoder(
                  itemCodes,
                  SchemaHistory.HEADER_LENGTH,
                  itemCodes.length - SchemaHistory.HEADER_LENGTH,
                  null);
      in.skipString();
      return in.readLong();
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("not an item-codes record", e);
    }
  }
}
