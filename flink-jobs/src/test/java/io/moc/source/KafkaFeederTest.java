package io.moc.source;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moc.avro.ImpressionEvent;
import io.moc.avro.ItemEvent;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/** The feeder against an in-memory producer; the broker round trip is an integration test. */
class KafkaFeederTest {

  private static MockProducer<byte[], byte[]> mockProducer(boolean autoComplete) {
    return new MockProducer<>(
        autoComplete, null, new ByteArraySerializer(), new ByteArraySerializer());
  }

  private static SyntheticCatalog catalog() {
    return SyntheticCatalog.builder().seed(11).build();
  }

  @Test
  void shouldPublishItemsAndImpressionsKeyedAndAvroEncoded() throws Exception {
    MockProducer<byte[], byte[]> producer = mockProducer(true);
    AtomicInteger budget = new AtomicInteger(2_000);
    try (KafkaFeeder feeder =
        new KafkaFeeder(producer, catalog(), Pacing.asFastAsPossible(), "items", "impressions")) {
      KafkaFeeder.Outcome outcome =
          feeder.run(Duration.ofMinutes(1), () -> budget.decrementAndGet() < 0);
      assertEquals(KafkaFeeder.Outcome.STOPPED, outcome);

      List<ProducerRecord<byte[], byte[]>> sent = producer.history();
      assertEquals(2_000, sent.size());
      Set<String> itemIds = new HashSet<>();
      long items = 0;
      for (ProducerRecord<byte[], byte[]> record : sent) {
        String key = new String(record.key(), StandardCharsets.UTF_8);
        if (record.topic().equals("items")) {
          ItemEvent item = ItemEvent.fromByteBuffer(ByteBuffer.wrap(record.value()));
          assertEquals(item.getItemId(), key);
          itemIds.add(key);
          items++;
        } else {
          assertEquals("impressions", record.topic());
          ImpressionEvent impression =
              ImpressionEvent.fromByteBuffer(ByteBuffer.wrap(record.value()));
          assertEquals(impression.getUserId(), key);
        }
        assertNull(record.timestamp(), "the broker assigns timestamps");
      }
      assertEquals(items, feeder.itemsPublished());
      assertEquals(sent.size() - items, feeder.impressionsPublished());
      assertEquals(itemIds, feeder.appendTimes().keySet());
      assertEquals(0, feeder.failedSends());
    }
    assertTrue(producer.closed());
  }

  @Test
  void shouldContinueWhereTheLastRunStopped() throws Exception {
    MockProducer<byte[], byte[]> producer = mockProducer(true);
    SyntheticCatalog reference = catalog();
    try (KafkaFeeder feeder =
        new KafkaFeeder(producer, catalog(), Pacing.asFastAsPossible(), "items", "impressions")) {
      for (int run = 0; run < 3; run++) {
        AtomicInteger budget = new AtomicInteger(100);
        feeder.run(Duration.ofMinutes(1), () -> budget.decrementAndGet() < 0);
      }
    }
    List<ProducerRecord<byte[], byte[]>> sent = producer.history();
    assertEquals(300, sent.size());
    for (ProducerRecord<byte[], byte[]> record : sent) {
      SourceEvent expected = reference.next();
      assertArrayEquals(expected.key().getBytes(StandardCharsets.UTF_8), record.key());
    }
  }

  @Test
  void shouldStopAtTheTimeLimitWhilePacing() throws Exception {
    MockProducer<byte[], byte[]> producer = mockProducer(true);
    try (KafkaFeeder feeder =
        new KafkaFeeder(producer, catalog(), Pacing.itemsPerSecond(20), "items", "impressions")) {
      long start = System.nanoTime();
      KafkaFeeder.Outcome outcome = feeder.run(Duration.ofMillis(300), () -> false);
      long elapsedMs = (System.nanoTime() - start) / 1_000_000;
      assertEquals(KafkaFeeder.Outcome.TIME_LIMIT, outcome);
      assertTrue(elapsedMs >= 300 && elapsedMs < 2_000, "elapsed " + elapsedMs);
      // Items due at 0, 50, ..., 250 ms.
      assertEquals(6, feeder.itemsPublished(), 1);
    }
  }

  @Test
  void shouldReportFailedSends() {
    MockProducer<byte[], byte[]> producer = mockProducer(false);
    try (KafkaFeeder feeder =
        new KafkaFeeder(producer, catalog(), Pacing.asFastAsPossible(), "items", "impressions")) {
      AtomicInteger calls = new AtomicInteger();
      // Fails the oldest unacknowledged send once a few are in flight; the rest never complete.
      BooleanSupplier stop =
          () -> {
            if (calls.incrementAndGet() == 5) {
              producer.errorNext(new IllegalStateException("broker down"));
            }
            return false;
          };
      IllegalStateException e =
          assertThrows(IllegalStateException.class, () -> feeder.run(Duration.ofMinutes(1), stop));
      assertEquals(1, feeder.failedSends());
      assertTrue(e.getMessage().contains("broker down"), e.getMessage());
    }
  }

  @Test
  void shouldSendRawRecordsWithoutCountingThem() throws Exception {
    MockProducer<byte[], byte[]> producer = mockProducer(true);
    try (KafkaFeeder feeder =
        new KafkaFeeder(producer, catalog(), Pacing.asFastAsPossible(), "items", "impressions")) {
      feeder.sendRaw("items", "bad".getBytes(StandardCharsets.UTF_8), new byte[] {1, 2, 3}).get();
      assertEquals(0, feeder.itemsPublished());
    }
    ProducerRecord<byte[], byte[]> record = producer.history().get(0);
    assertEquals("items", record.topic());
    assertArrayEquals(new byte[] {1, 2, 3}, record.value());
  }

  @Test
  void shouldConfigureADurableIdempotentProducer() {
    Properties props = KafkaFeeder.producerProperties("localhost:9092");
    assertEquals("all", props.getProperty(ProducerConfig.ACKS_CONFIG));
    assertEquals("5", props.getProperty(ProducerConfig.LINGER_MS_CONFIG));
    assertEquals("true", props.getProperty(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG));
    assertEquals("localhost:9092", props.getProperty(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG));
  }
}
