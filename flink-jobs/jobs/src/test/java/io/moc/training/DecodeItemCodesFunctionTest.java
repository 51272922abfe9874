package io.moc.training;

import static io.moc.training.TestImpressions.itemCodes;
import static io.moc.training.TestImpressions.raw;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moc.avro.AvroBytes;
import io.moc.common.DeadLetterRecord;
import io.moc.common.DeadLetters;
import io.moc.common.RawRecord;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DecodeItemCodesFunctionTest {

  private OneInputStreamOperatorTestHarness<RawRecord, ItemCodesUpdate> harness;

  @BeforeEach
  void open() throws Exception {
    harness = ProcessFunctionTestHarnesses.forProcessFunction(new DecodeItemCodesFunction());
  }

  @AfterEach
  void close() throws Exception {
    harness.close();
  }

  private DeadLetterRecord onlyDeadLetter() {
    assertTrue(harness.extractOutputValues().isEmpty(), "a rejected record must not go on");
    List<DeadLetterRecord> letters = new ArrayList<>();
    for (StreamRecord<DeadLetterRecord> r : harness.getSideOutput(DeadLetters.TAG)) {
      letters.add(r.getValue());
    }
    assertEquals(1, letters.size());
    return letters.get(0);
  }

  @Test
  void shouldDecodeAnItemsCodes() throws Exception {
    harness.processElement(raw(itemCodes("i1", 3, 5, 0, 7).build(), 1), 0);
    ItemCodesUpdate u = harness.extractOutputValues().get(0);
    assertEquals("i1", u.itemId);
    assertFalse(u.deleted);
    assertEquals(3, u.codebookVersion);
    assertArrayEquals(new int[] {5, 0, 7}, u.codes);
    assertEquals(1000, u.itemEventTime);
    assertEquals(null, harness.getSideOutput(DeadLetters.TAG));
  }

  @Test
  void shouldTurnATombstoneIntoADeletion() throws Exception {
    harness.processElement(raw("item-codes", "i1", null, 1), 0);
    ItemCodesUpdate u = harness.extractOutputValues().get(0);
    assertEquals("i1", u.itemId);
    assertTrue(u.deleted);
  }

  @Test
  void shouldDeadLetterATombstoneWithoutKey() throws Exception {
    harness.processElement(raw("item-codes", null, null, 1), 0);
    assertEquals("MISSING_ID", onlyDeadLetter().reason);
  }

  @Test
  void shouldDeadLetterBytesThatAreNotItemCodes() throws Exception {
    harness.processElement(raw("item-codes", "i1", new byte[] {9, 9, 9}, 4), 0);
    DeadLetterRecord d = onlyDeadLetter();
    assertEquals("UNDECODABLE", d.reason);
    assertEquals("item-codes", d.sourceTopic);
    assertEquals(4, d.offset);
  }

  @Test
  void shouldDeadLetterCodesWithoutItemId() throws Exception {
    harness.processElement(
        raw("item-codes", "i1", AvroBytes.encode(itemCodes("", 1, 1).build()), 1), 0);
    assertEquals("MISSING_ID", onlyDeadLetter().reason);
  }

  @Test
  void shouldDeadLetterCodesWithoutKey() throws Exception {
    harness.processElement(
        raw("item-codes", null, AvroBytes.encode(itemCodes("i1", 1, 1).build()), 1), 0);
    assertEquals("MISSING_KEY", onlyDeadLetter().reason);
  }

  @Test
  void shouldDeadLetterCodesKeyedByAnotherItem() throws Exception {
    harness.processElement(
        raw("item-codes", "i2", AvroBytes.encode(itemCodes("i1", 1, 1).build()), 1), 0);
    assertEquals("KEY_MISMATCH", onlyDeadLetter().reason);
  }

  @Test
  void shouldDeadLetterEmptyCodes() throws Exception {
    harness.processElement(raw(itemCodes("i1", 1).build(), 1), 0);
    assertEquals("INVALID_CODES", onlyDeadLetter().reason);
  }

  @Test
  void shouldDeadLetterANegativeCode() throws Exception {
    harness.processElement(raw(itemCodes("i1", 1, 3, -1).build(), 1), 0);
    DeadLetterRecord d = onlyDeadLetter();
    assertEquals("INVALID_CODES", d.reason);
    assertTrue(d.error.contains("codes[1]"), d.error);
  }
}
