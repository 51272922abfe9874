package io.moc.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moc.avro.ImpressionEvent;
import io.moc.avro.ItemEvent;
import io.moc.local.Topics;
import io.moc.source.CatalogSource;
import io.moc.source.KafkaFeeder;
import io.moc.source.Pacing;
import io.moc.source.SourceEvent;
import io.moc.source.SyntheticCatalog;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The feeder against a real in-process KRaft broker, on the topics as the system creates them
 * (items and impressions with {@code LogAppendTime}). The tests share the topics: each one reads
 * only what was appended after it started.
 */
class KafkaFeederITCase {

  private static final String ITEMS = "items";
  private static final String IMPRESSIONS = "impressions";
  private static final Duration TIMEOUT = Duration.ofSeconds(15);

  @RegisterExtension static final EmbeddedKafka.PerClass KAFKA = new EmbeddedKafka.PerClass();

  // Log end offsets of the shared topics when the current test started.
  private long itemsBefore;
  private long impressionsBefore;

  @BeforeAll
  static void createTopics() throws Exception {
    Topics.create(KAFKA.get().bootstrapServers(), Topics.definitions(new Configuration(), 1));
  }

  @BeforeEach
  void rememberWhereTheTopicsEnd() throws Exception {
    itemsBefore = KAFKA.get().endOffset(ITEMS, 0);
    impressionsBefore = KAFKA.get().endOffset(IMPRESSIONS, 0);
  }

  @Test
  void publishesItemsKeyedByItemIdAndImpressionsKeyedByUserIdInAvro() throws Exception {
    List<SourceEvent> events = take(catalog(7), 300);

    try (KafkaFeeder feeder = feeder(new ListSource(events), Pacing.asFastAsPossible())) {
      assertEquals(KafkaFeeder.Outcome.EXHAUSTED, feeder.run(Duration.ofMinutes(1), () -> false));
    }

    List<ConsumerRecord<byte[], byte[]>> items = newRecords(ITEMS, itemsBefore);
    List<ConsumerRecord<byte[], byte[]>> impressions = newRecords(IMPRESSIONS, impressionsBefore);
    assertSameEvents(events, items, impressions);
    for (ConsumerRecord<byte[], byte[]> record : items) {
      ItemEvent item = ItemEvent.fromByteBuffer(ByteBuffer.wrap(record.value()));
      assertEquals(item.getItemId(), utf8(record.key()));
    }
    for (ConsumerRecord<byte[], byte[]> record : impressions) {
      ImpressionEvent impression = ImpressionEvent.fromByteBuffer(ByteBuffer.wrap(record.value()));
      assertEquals(impression.getUserId(), utf8(record.key()));
    }
  }

  @Test
  void countsExactlyTheRecordsTheBrokerHolds() throws Exception {
    List<SourceEvent> events = take(catalog(8), 300);
    long expectedItems = events.stream().filter(e -> e instanceof SourceEvent.Item).count();

    try (KafkaFeeder feeder = feeder(new ListSource(events), Pacing.asFastAsPossible())) {
      feeder.run(Duration.ofMinutes(1), () -> false);

      assertEquals(expectedItems, feeder.itemsPublished());
      assertEquals(events.size() - expectedItems, feeder.impressionsPublished());
      assertEquals(0, feeder.failedSends());
      // run() returns once everything is acknowledged: the broker holds exactly that many.
      assertEquals(feeder.itemsPublished(), KAFKA.get().endOffset(ITEMS, 0) - itemsBefore);
      assertEquals(
          feeder.impressionsPublished(), KAFKA.get().endOffset(IMPRESSIONS, 0) - impressionsBefore);
    }
  }

  @Test
  void keepsForEachItemTheBrokerTimestampOfItsLatestRecord() throws Exception {
    SyntheticCatalog catalog =
        SyntheticCatalog.builder()
            .seed(9)
            .users(20)
            .republishFraction(0.3)
            .titleChangeFraction(0.2)
            .build();
    List<SourceEvent> events = take(catalog, 300);

    Map<String, Long> appendTimes;
    try (KafkaFeeder feeder = feeder(new ListSource(events), Pacing.asFastAsPossible())) {
      feeder.run(Duration.ofMinutes(1), () -> false);
      appendTimes = Map.copyOf(feeder.appendTimes());
    }

    Map<String, Long> latest = new HashMap<>();
    Map<String, Integer> publications = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> record : newRecords(ITEMS, itemsBefore)) {
      assertEquals(TimestampType.LOG_APPEND_TIME, record.timestampType());
      latest.put(utf8(record.key()), record.timestamp());
      publications.merge(utf8(record.key()), 1, Integer::sum);
    }
    assertTrue(
        publications.values().stream().anyMatch(n -> n > 1),
        "the catalog re-publishes some items, so latest differs from first");
    assertEquals(latest, appendTimes);
  }

  @Test
  void resumesWhereAStoppedRunEndedWithoutLosingOrDuplicatingEvents() throws Exception {
    // Paced, so that runs end while an event fetched from the source waits for its due time.
    try (KafkaFeeder feeder = feeder(catalog(10), Pacing.itemsPerSecond(100))) {
      assertEquals(KafkaFeeder.Outcome.TIME_LIMIT, feeder.run(Duration.ofMillis(250), () -> false));
      // Items are due at 0, 10, ..., 240 ms: never more than 25 in 250 ms.
      assertTrue(feeder.itemsPublished() <= 25, "items " + feeder.itemsPublished());
      long firstRun = feeder.itemsPublished();
      assertTrue(firstRun > 0, "nothing sent in the first run");

      assertEquals(KafkaFeeder.Outcome.STOPPED, feeder.run(Duration.ofMinutes(1), after(200)));
      assertTrue(feeder.itemsPublished() > firstRun, "nothing sent in the second run");
      assertEquals(KafkaFeeder.Outcome.TIME_LIMIT, feeder.run(Duration.ofMillis(150), () -> false));

      long sent = feeder.itemsPublished() + feeder.impressionsPublished();
      // The same catalog from the start: the three runs must be exactly its first events.
      List<SourceEvent> expected = take(catalog(10), (int) sent);
      assertSameEvents(
          expected, newRecords(ITEMS, itemsBefore), newRecords(IMPRESSIONS, impressionsBefore));
    }
  }

  @Test
  void sendsRawRecordsToTheBrokerWithoutCountingThem() throws Exception {
    byte[] key = "not-an-item".getBytes(StandardCharsets.UTF_8);
    byte[] value = {1, 2, 3};
    try (KafkaFeeder feeder = feeder(catalog(11), Pacing.asFastAsPossible())) {
      RecordMetadata metadata = feeder.sendRaw(ITEMS, key, value).get();

      assertEquals(itemsBefore, metadata.offset());
      assertEquals(0, feeder.itemsPublished());
      assertEquals(0, feeder.impressionsPublished());
      assertTrue(feeder.appendTimes().isEmpty());
    }
    List<ConsumerRecord<byte[], byte[]>> records = newRecords(ITEMS, itemsBefore);
    assertEquals(1, records.size());
    assertArrayEquals(key, records.get(0).key());
    assertArrayEquals(value, records.get(0).value());
  }

  @Test
  void failsTheRunAndCountsRecordsTheBrokerRejects() throws Exception {
    // Every item record is larger than this topic accepts.
    String tiny = "tiny-items";
    Topics.create(
        KAFKA.get().bootstrapServers(),
        List.of(new NewTopic(tiny, 1, (short) 1).configs(Map.of("max.message.bytes", "64"))));
    List<SourceEvent> events = take(catalog(12), 200);
    try (KafkaFeeder feeder =
        new KafkaFeeder(
            io.moc.kafka.KafkaConnection.plaintext(KAFKA.get().bootstrapServers()),
            new ListSource(events),
            Pacing.asFastAsPossible(),
            tiny,
            IMPRESSIONS)) {
      IllegalStateException e =
          assertThrows(
              IllegalStateException.class, () -> feeder.run(Duration.ofMinutes(1), () -> false));

      assertInstanceOf(RecordTooLargeException.class, e.getCause(), e.toString());
      assertTrue(feeder.failedSends() >= 1, "failed " + feeder.failedSends());
      assertEquals(0, feeder.itemsPublished());
      assertEquals(0, KAFKA.get().endOffset(tiny, 0));
    }
  }

  @Test
  void configuresItsOwnProducerForDurableIdempotentSends() {
    Properties props = KafkaFeeder.producerProperties(KAFKA.get().bootstrapServers());
    assertEquals("all", props.getProperty(ProducerConfig.ACKS_CONFIG));
    assertEquals("true", props.getProperty(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG));
    assertEquals("5", props.getProperty(ProducerConfig.LINGER_MS_CONFIG));
    assertEquals(
        KAFKA.get().bootstrapServers(), props.getProperty(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG));
  }

  private static SyntheticCatalog catalog(long seed) {
    return SyntheticCatalog.builder().seed(seed).users(50).build();
  }

  /** A feeder with its own producer, configured as in production. */
  private static KafkaFeeder feeder(CatalogSource source, Pacing pacing) {
    return new KafkaFeeder(
        io.moc.kafka.KafkaConnection.plaintext(KAFKA.get().bootstrapServers()),
        source,
        pacing,
        ITEMS,
        IMPRESSIONS);
  }

  private static List<SourceEvent> take(CatalogSource source, int n) {
    List<SourceEvent> events = new ArrayList<>(n);
    for (int i = 0; i < n && source.hasNext(); i++) {
      events.add(source.next());
    }
    return events;
  }

  /** A stop condition that becomes true {@code millis} after it is created. */
  private static BooleanSupplier after(long millis) {
    long deadline = System.nanoTime() + Duration.ofMillis(millis).toNanos();
    return () -> System.nanoTime() - deadline >= 0;
  }

  /** The records of partition 0 of {@code topic} from offset {@code from} to its current end. */
  private static List<ConsumerRecord<byte[], byte[]>> newRecords(String topic, long from)
      throws Exception {
    long end = KAFKA.get().endOffset(topic, 0);
    List<ConsumerRecord<byte[], byte[]>> all =
        KAFKA.get().readUntil(topic, TIMEOUT, records -> records.size() >= end);
    assertEquals(end, all.size(), "records read from " + topic);
    for (int i = 0; i < all.size(); i++) {
      assertEquals(i, all.get(i).offset(), "offsets of " + topic);
    }
    return all.subList((int) from, (int) end);
  }

  /**
   * The broker holds exactly {@code expected}, in order: items in the items topic, impressions in
   * the impressions topic, each keyed as the source event says, with the same Avro content.
   */
  private static void assertSameEvents(
      List<SourceEvent> expected,
      List<ConsumerRecord<byte[], byte[]>> items,
      List<ConsumerRecord<byte[], byte[]>> impressions)
      throws Exception {
    Iterator<ConsumerRecord<byte[], byte[]>> itemRecords = items.iterator();
    Iterator<ConsumerRecord<byte[], byte[]>> impressionRecords = impressions.iterator();
    int index = 0;
    for (SourceEvent event : expected) {
      String what = "event " + index++ + " " + event;
      if (event instanceof SourceEvent.Item item) {
        assertTrue(itemRecords.hasNext(), "missing on the broker: " + what);
        ConsumerRecord<byte[], byte[]> record = itemRecords.next();
        assertEquals(event.key(), utf8(record.key()), what);
        assertEquals(item.item(), ItemEvent.fromByteBuffer(ByteBuffer.wrap(record.value())), what);
      } else {
        assertTrue(impressionRecords.hasNext(), "missing on the broker: " + what);
        ConsumerRecord<byte[], byte[]> record = impressionRecords.next();
        assertEquals(event.key(), utf8(record.key()), what);
        assertEquals(
            ((SourceEvent.Impression) event).impression(),
            ImpressionEvent.fromByteBuffer(ByteBuffer.wrap(record.value())),
            what);
      }
    }
    assertFalse(itemRecords.hasNext(), "more items on the broker than sent");
    assertFalse(impressionRecords.hasNext(), "more impressions on the broker than sent");
  }

  private static String utf8(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  /** A finite source over a list of events. */
  private static final class ListSource implements CatalogSource {
    private final Iterator<SourceEvent> events;
    private final int size;

    ListSource(List<SourceEvent> events) {
      this.events = List.copyOf(events).iterator();
      this.size = events.size();
    }

    @Override
    public boolean hasNext() {
      return events.hasNext();
    }

    @Override
    public SourceEvent next() {
      return events.next();
    }

    @Override
    public String describe() {
      return size + " listed events";
    }
  }
}
