package io.moc.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GuardInputFunctionTest {

  @TempDir Path journalDir;

  private InputSettings settings;
  private OneInputStreamOperatorTestHarness<RawRecord, RawRecord> harness;

  @BeforeEach
  void open() throws Exception {
    settings = new InputSettings(100, 100, 100, 100, 3, journalDir.toUri().toString());
    harness =
        ProcessFunctionTestHarnesses.forProcessFunction(
            new GuardInputFunction(settings.items(), null));
  }

  @AfterEach
  void close() throws Exception {
    harness.close();
  }

  private static RawRecord record(long offset, int valueBytes) {
    return new RawRecord("items", 1, offset, 5, "k".getBytes(), new byte[valueBytes]);
  }

  private List<DeadLetterRecord> deadLetters() {
    return DeadLetterOutput.of(harness);
  }

  private void failTimes(long offset, int times) throws Exception {
    PoisonPillJournal journal = PoisonPillJournal.open(settings.poisonPillJournal());
    for (int i = 0; i < times; i++) {
      journal.recordFailure("items", 1, offset, new OutOfMemoryError("bomb " + i));
    }
  }

  private PoisonPillJournal.Failures journaled(long offset) throws Exception {
    return PoisonPillJournal.open(settings.poisonPillJournal()).failures("items", 1, offset);
  }

  @Test
  void shouldForwardARecordWithinTheLimitUnchanged() throws Exception {
    RawRecord r = record(7, 99);
    harness.processElement(r, 0);
    List<RawRecord> out = harness.extractOutputValues();
    assertEquals(1, out.size());
    assertEquals(7, out.get(0).offset);
    assertEquals(99, out.get(0).value.length);
    assertTrue(deadLetters().isEmpty());
  }

  @Test
  void shouldDeadLetterARecordOverTheLimitAsRecordTooLargeNamingTheOption() throws Exception {
    harness.processElement(record(7, 100), 0);
    assertTrue(harness.extractOutputValues().isEmpty());
    DeadLetterRecord d = deadLetters().get(0);
    assertEquals("RECORD_TOO_LARGE", d.reason);
    assertEquals(7, d.offset);
    assertTrue(d.error.contains("101 bytes"), d.error);
    assertTrue(d.error.contains(InputOptions.MAX_ITEM_BYTES.key()), d.error);
  }

  @Test
  void shouldSkipARecordThatFailedTheJobTooOftenAndForgetItOnceACheckpointHoldsTheDeadLetter()
      throws Exception {
    failTimes(8, 3);
    harness.close();
    harness =
        ProcessFunctionTestHarnesses.forProcessFunction(
            new GuardInputFunction(settings.items(), null));

    harness.processElement(record(8, 10), 0);
    harness.processElement(record(9, 10), 0);

    assertEquals(List.of(9L), harness.extractOutputValues().stream().map(r -> r.offset).toList());
    DeadLetterRecord d = deadLetters().get(0);
    assertEquals("POISON_PILL", d.reason);
    assertEquals(8, d.offset);
    assertTrue(d.error.contains("3 times") && d.error.contains("bomb 2"), d.error);
    // Until a checkpoint holds the dead letter, a replay must skip the record again.
    assertNotNull(journaled(8));
    harness.snapshot(1, 10);
    harness.notifyOfCompletedCheckpoint(1);
    assertNull(journaled(8));
  }

  @Test
  void shouldForgetEarlierFailuresOfARecordThatPasses() throws Exception {
    failTimes(4, 2);
    harness.close();
    harness =
        ProcessFunctionTestHarnesses.forProcessFunction(
            new GuardInputFunction(settings.items(), null));

    harness.processElement(record(4, 10), 0);

    assertEquals(1, harness.extractOutputValues().size());
    assertTrue(deadLetters().isEmpty());
    assertNull(journaled(4));
  }

  @Test
  void shouldKeepCountingFailuresAcrossReopenedJournals() throws Exception {
    failTimes(5, 2);
    PoisonPillJournal reopened = PoisonPillJournal.open(settings.poisonPillJournal());
    assertEquals(2, reopened.failures("items", 1, 5).count());
    assertEquals(3, reopened.recordFailure("items", 1, 5, new IllegalStateException("x")).count());
    assertEquals(3, journaled(5).count());
    assertNull(reopened.failures("items", 2, 5), "another partition's offset 5 is another record");
  }
}
