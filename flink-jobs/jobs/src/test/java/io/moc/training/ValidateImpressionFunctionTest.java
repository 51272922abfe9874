package io.moc.training;

import static io.moc.training.TestImpressions.event;
import static io.moc.training.TestImpressions.raw;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moc.avro.AvroBytes;
import io.moc.avro.ImpressionEvent;
import io.moc.avro.SchemaHistory;
import io.moc.common.DeadLetterOutput;
import io.moc.common.DeadLetterRecord;
import io.moc.common.RawRecord;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ValidateImpressionFunctionTest {

  private OneInputStreamOperatorTestHarness<RawRecord, Impression> harness;

  @BeforeEach
  void open() throws Exception {
    harness = ProcessFunctionTestHarnesses.forProcessFunction(new ValidateImpressionFunction());
  }

  @AfterEach
  void close() throws Exception {
    harness.close();
  }

  @Test
  void shouldPassAValidImpressionWithItsSourceRecord() throws Exception {
    RawRecord raw = raw(event("imp-1", "u1", "i1").build(), 3);
    harness.processElement(raw, 0);

    List<Impression> out = harness.extractOutputValues();
    assertEquals(1, out.size());
    Impression i = out.get(0);
    assertEquals("imp-1", i.impressionId);
    assertEquals("u1", i.userId);
    assertEquals("i1", i.itemId);
    assertEquals(7000, i.eventTime);
    assertTrue(i.clicked);
    assertEquals(3, i.source.offset);
    assertArrayEquals(raw.value, i.source.value);
    assertTrue(DeadLetterOutput.of(harness).isEmpty());
  }

  @Test
  void shouldReadImpressionsWrittenWithTheFirstReleasedSchema() throws Exception {
    Schema v1 = SchemaHistory.released("ImpressionEvent").get(0).schema();
    GenericRecord old = new GenericData.Record(v1);
    old.put("impression_id", "imp-1");
    old.put("user_id", "u1");
    old.put("item_id", "i1");
    old.put("event_time", 7000L);
    old.put("clicked", false);
    ByteBuffer bytes = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(old);
    byte[] value = new byte[bytes.remaining()];
    bytes.get(value);

    harness.processElement(raw("impressions", "u1", value, 1), 0);

    Impression i = harness.extractOutputValues().get(0);
    assertEquals("i1", i.itemId);
    assertEquals(7000, i.eventTime);
    assertFalse(i.clicked);
  }

  @Test
  void shouldAcceptAnImpressionWhateverItsKey() throws Exception {
    ImpressionEvent e = event("imp-1", "u1", "i1").build();
    harness.processElement(raw("impressions", null, AvroBytes.encode(e), 1), 0);
    harness.processElement(raw("impressions", "u2", AvroBytes.encode(e), 2), 0);
    assertEquals(2, harness.extractOutputValues().size());
    assertTrue(DeadLetterOutput.of(harness).isEmpty());
  }

  @Test
  void shouldDeadLetterBytesThatAreNotAnImpressionEvent() throws Exception {
    harness.processElement(raw("impressions", "u1", new byte[] {1, 2, 3, 4, 5}, 9), 0);
    DeadLetterRecord d = DeadLetterOutput.only(harness);
    assertEquals("UNDECODABLE", d.reason);
    assertEquals("impressions", d.sourceTopic);
    assertEquals(9, d.offset);
    assertArrayEquals(new byte[] {1, 2, 3, 4, 5}, d.value);
  }

  @Test
  void shouldDeadLetterATombstoneAsUndecodable() throws Exception {
    harness.processElement(raw("impressions", "u1", null, 4), 0);
    assertEquals("UNDECODABLE", DeadLetterOutput.only(harness).reason);
  }

  @Test
  void shouldDeadLetterAnImpressionWithANegativeEventTime() throws Exception {
    ImpressionEvent.Builder b =
        event("imp-1", "u1", "i1").setEventTime(java.time.Instant.ofEpochMilli(-5));
    harness.processElement(raw("impressions", "u1", AvroBytes.encode(b.build()), 7), 0);
    DeadLetterRecord d = DeadLetterOutput.only(harness);
    assertEquals("BAD_EVENT_TIME", d.reason);
    assertEquals(7, d.offset);
  }

  @ParameterizedTest
  @ValueSource(strings = {"impression_id", "user_id", "item_id"})
  void shouldDeadLetterAnImpressionWithoutAnId(String field) throws Exception {
    ImpressionEvent.Builder b = event("imp-1", "u1", "i1");
    switch (field) {
      case "impression_id" -> b.setImpressionId("");
      case "user_id" -> b.setUserId(" ");
      default -> b.setItemId("");
    }
    harness.processElement(raw("impressions", "u1", AvroBytes.encode(b.build()), 1), 0);
    DeadLetterRecord d = DeadLetterOutput.only(harness);
    assertEquals("MISSING_ID", d.reason);
    assertTrue(d.error.contains(field), d.error);
  }
}
