package io.moc.training;

import static io.moc.training.TestImpressions.codes;
import static io.moc.training.TestImpressions.impression;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moc.common.DeadLetterOutput;
import io.moc.common.DeadLetterRecord;
import io.moc.common.Harnesses;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JoinImpressionWithCodesFunctionTest {

  private static final long TIMEOUT = 60_000;
  private static final int MAX_PENDING = 3;

  private KeyedTwoInputStreamOperatorTestHarness<
          String, Impression, ItemCodesUpdate, TrainingExample>
      harness;

  @BeforeEach
  void open() throws Exception {
    harness = harness(MAX_PENDING, null, null);
  }

  @AfterEach
  void close() throws Exception {
    harness.close();
  }

  /** A harness around a new join, restored if given. */
  private static KeyedTwoInputStreamOperatorTestHarness<
          String, Impression, ItemCodesUpdate, TrainingExample>
      harness(int maxPending, OperatorSubtaskState restoreFrom, StateBackend backend)
          throws Exception {
    var h =
        new KeyedTwoInputStreamOperatorTestHarness<
            String, Impression, ItemCodesUpdate, TrainingExample>(
            new KeyedCoProcessOperator<>(new JoinImpressionWithCodesFunction(maxPending, TIMEOUT)),
            i -> i.itemId,
            c -> c.itemId,
            Types.STRING,
            1,
            1,
            0);
    return Harnesses.started(h, backend, restoreFrom);
  }

  private void show(Impression impression) throws Exception {
    harness.processElement1(impression, impression.eventTime);
  }

  private void code(ItemCodesUpdate update) throws Exception {
    harness.processElement2(update, 0);
  }

  private void at(long processingTime) throws Exception {
    harness.setProcessingTime(processingTime);
  }

  private List<TrainingExample> examples() {
    return harness.extractOutputValues();
  }

  private List<String> joinedIds() {
    return examples().stream().map(e -> e.impressionId).toList();
  }

  private List<DeadLetterRecord> deadLetters() {
    return DeadLetterOutput.of(harness);
  }

  private void assertNothingWaits(int itemsWithCodes) {
    assertEquals(0, harness.numProcessingTimeTimers(), "no timer left");
    assertEquals(itemsWithCodes, harness.numKeyedStateEntries(), "only codes stay in state");
  }

  @Test
  void shouldJoinAnImpressionWithTheCodesItsItemHas() throws Exception {
    code(codes("i1", 2, 1500, 4, 0, 9));
    Impression shown = impression("imp-1", "i1", 6);
    show(shown);

    assertEquals(1, examples().size());
    TrainingExample e = examples().get(0);
    assertEquals("imp-1", e.impressionId);
    assertEquals(shown.userId, e.userId);
    assertEquals("i1", e.itemId);
    assertEquals(2, e.codebookVersion);
    assertArrayEquals(new int[] {4, 0, 9}, e.codes);
    assertEquals(shown.clicked, e.clicked);
    assertEquals(shown.eventTime, e.eventTime);
    assertEquals(1500, e.itemFirstSeen);
    assertTrue(deadLetters().isEmpty());
    assertNothingWaits(1);
  }

  @Test
  void shouldHoldImpressionsUntilTheirCodesArriveThenJoinThemInOrder() throws Exception {
    show(impression("imp-1", "i1", 1));
    at(1000);
    show(impression("imp-2", "i1", 2));
    show(impression("imp-3", "i1", 3));
    assertTrue(examples().isEmpty(), "nothing can be joined without codes");
    assertEquals(1, harness.numProcessingTimeTimers(), "one timer per item, not per impression");

    at(2000);
    code(codes("i1", 1, 1000, 7, 7));

    assertEquals(List.of("imp-1", "imp-2", "imp-3"), joinedIds());
    assertTrue(examples().stream().allMatch(e -> e.codebookVersion == 1));
    assertTrue(deadLetters().isEmpty());
    assertNothingWaits(1);

    show(impression("imp-4", "i1", 4));
    assertEquals("imp-4", examples().get(3).impressionId, "later impressions join at once");
  }

  @Test
  void shouldDeadLetterAnImpressionWhoseCodesDoNotComeWithinTheTimeoutAndForgetIt()
      throws Exception {
    Impression shown = impression("imp-1", "i1", 17);
    show(shown);
    at(TIMEOUT - 1);
    assertTrue(deadLetters().isEmpty(), "still within the timeout");

    at(TIMEOUT);
    List<DeadLetterRecord> letters = deadLetters();
    assertEquals(1, letters.size());
    assertEquals("IMPRESSION_WITHOUT_CODES", letters.get(0).reason);
    assertEquals("impressions", letters.get(0).sourceTopic);
    assertEquals(17, letters.get(0).offset);
    assertArrayEquals(shown.source.value, letters.get(0).value);
    assertTrue(examples().isEmpty());
    assertNothingWaits(0);

    code(codes("i1", 1, 1000, 1));
    assertTrue(examples().isEmpty(), "a timed-out impression is not joined later");
  }

  @Test
  void shouldGiveEveryWaitingImpressionTheWholeTimeout() throws Exception {
    show(impression("imp-1", "i1", 1));
    at(TIMEOUT / 2);
    show(impression("imp-2", "i1", 2));

    at(TIMEOUT);
    assertEquals(1, deadLetters().size());
    assertEquals(1, deadLetters().get(0).offset);
    assertEquals(1, harness.numProcessingTimeTimers(), "the next expiry is scheduled");

    at(TIMEOUT + 1000);
    code(codes("i1", 1, 1000, 1));
    assertEquals(List.of("imp-2"), joinedIds());
    assertNothingWaits(1);
  }

  @Test
  void shouldDeadLetterAnImpressionBeyondTheWaitingBoundAtOnce() throws Exception {
    for (int i = 1; i <= MAX_PENDING + 1; i++) {
      show(impression("imp-" + i, "i1", i));
    }
    List<DeadLetterRecord> letters = deadLetters();
    assertEquals(1, letters.size());
    assertEquals("PENDING_LIMIT_EXCEEDED", letters.get(0).reason);
    assertEquals(MAX_PENDING + 1, letters.get(0).offset, "the newest is refused");

    show(impression("imp-other", "i2", 9));
    assertEquals(1, deadLetters().size(), "the bound is per item");

    code(codes("i1", 1, 1000, 1));
    assertEquals(List.of("imp-1", "imp-2", "imp-3"), joinedIds());
  }

  @Test
  void shouldLetNoImpressionWaitWithABoundOfZero() throws Exception {
    harness.close();
    harness = harness(0, null, null);
    show(impression("imp-1", "i1", 1));
    assertEquals("PENDING_LIMIT_EXCEEDED", deadLetters().get(0).reason);
    assertNothingWaits(0);
  }

  @Test
  void shouldMakeLaterImpressionsWaitAfterATombstone() throws Exception {
    code(codes("i1", 1, 1000, 1));
    code(ItemCodesUpdate.deletion("i1"));
    assertNothingWaits(0);

    show(impression("imp-1", "i1", 1));
    assertTrue(examples().isEmpty(), "the deleted item's codes are gone");
    at(TIMEOUT);
    assertEquals("IMPRESSION_WITHOUT_CODES", deadLetters().get(0).reason);
    assertNothingWaits(0);
  }

  @Test
  void shouldKeepImpressionsWaitingThroughATombstoneOfAnItemWithoutCodes() throws Exception {
    show(impression("imp-1", "i1", 1));
    code(ItemCodesUpdate.deletion("i1"));
    code(codes("i1", 1, 1000, 1));
    assertEquals(List.of("imp-1"), joinedIds());
  }

  @Test
  void shouldReplaceCodesWithThoseOfANewerVersion() throws Exception {
    code(codes("i1", 1, 1000, 1, 1));
    code(codes("i1", 2, 1000, 2, 2));
    show(impression("imp-1", "i1", 1));
    assertEquals(2, examples().get(0).codebookVersion);
    assertArrayEquals(new int[] {2, 2}, examples().get(0).codes);
  }

  @Test
  void shouldIgnoreCodesOfAnOlderVersionThanHeld() throws Exception {
    code(codes("i1", 2, 1000, 2, 2));
    code(codes("i1", 1, 1000, 1, 1));
    show(impression("imp-1", "i1", 1));
    assertEquals(2, examples().get(0).codebookVersion);
    assertArrayEquals(new int[] {2, 2}, examples().get(0).codes);
  }

  @Test
  void shouldTakeNewCodesOfTheSameVersionWhenTheItemChanges() throws Exception {
    code(codes("i1", 2, 1000, 2, 2));
    code(codes("i1", 2, 5000, 3, 3));
    show(impression("imp-1", "i1", 1));
    assertArrayEquals(new int[] {3, 3}, examples().get(0).codes);
  }

  @Test
  void shouldKeepTheItemsFirstSeenTimeAcrossRecodingsAndChanges() throws Exception {
    code(codes("i1", 1, 1000, 1));
    code(codes("i1", 2, 1000, 2)); // re-coded
    code(codes("i1", 2, 9000, 3)); // text changed
    code(codes("i1", 3, 9000, 4)); // re-coded again
    show(impression("imp-1", "i1", 1));
    assertEquals(1000, examples().get(0).itemFirstSeen);
    assertEquals(3, examples().get(0).codebookVersion);
  }

  @Test
  void shouldForgetTheFirstSeenTimeOfADeletedItem() throws Exception {
    code(codes("i1", 1, 1000, 1));
    code(ItemCodesUpdate.deletion("i1"));
    code(codes("i1", 1, 4000, 1));
    show(impression("imp-1", "i1", 1));
    assertEquals(4000, examples().get(0).itemFirstSeen);
  }

  @Test
  void shouldKeepWaitingImpressionsAndTheirTimerAcrossARestore(@TempDir Path dir) throws Exception {
    // RocksDB, as in production: the waiting impressions go through their serializers.
    harness.close();
    harness = harness(MAX_PENDING, null, Harnesses.rocksDb(dir.resolve("before")));
    show(impression("imp-1", "i1", 1));
    show(impression("imp-2", "i1", 2));
    show(impression("imp-3", "i2", 3));
    code(codes("i3", 4, 1000, 8));
    OperatorSubtaskState snapshot = harness.snapshot(1, 1);
    harness.close();

    harness = harness(MAX_PENDING, snapshot, Harnesses.rocksDb(dir.resolve("after")));
    assertEquals(2, harness.numProcessingTimeTimers(), "timers are restored with the state");

    at(1000);
    code(codes("i1", 1, 1000, 5));
    show(impression("imp-4", "i3", 4));
    assertEquals(List.of("imp-1", "imp-2", "imp-4"), joinedIds());
    assertEquals(4, examples().get(2).codebookVersion, "held codes are restored too");

    at(TIMEOUT);
    assertEquals(1, deadLetters().size());
    assertEquals("IMPRESSION_WITHOUT_CODES", deadLetters().get(0).reason);
    assertEquals(3, deadLetters().get(0).offset);
    assertEquals(0, harness.numProcessingTimeTimers());
  }

  @Test
  void shouldAccountForEveryImpressionAsAnExampleOrADeadLetter() throws Exception {
    Random random = new Random(7);
    Set<String> withCodes = new HashSet<>();
    long now = 0;
    int shown = 0;
    for (int step = 0; step < 5000; step++) {
      String item = "i" + random.nextInt(8);
      double dice = random.nextDouble();
      if (dice < 0.7) {
        show(impression("imp-" + shown, item, shown));
        shown++;
      } else if (dice < 0.8) {
        code(codes(item, random.nextInt(3), 1000, random.nextInt(16)));
        withCodes.add(item);
      } else if (dice < 0.85) {
        code(ItemCodesUpdate.deletion(item));
        withCodes.remove(item);
      } else {
        now += random.nextInt((int) TIMEOUT / 2);
        at(now);
      }
    }
    at(now + TIMEOUT);

    Set<Long> accounted = new HashSet<>();
    for (TrainingExample e : examples()) {
      assertTrue(accounted.add(Long.parseLong(e.impressionId.substring(4))), "joined twice");
    }
    int joined = accounted.size();
    for (DeadLetterRecord d : deadLetters()) {
      assertTrue(accounted.add(d.offset), "dead-lettered twice, or joined and dead-lettered");
    }
    assertEquals(shown, accounted.size(), "every impression in = joined out + dead letters");
    assertTrue(joined > shown / 2, "mostly joined: " + joined + " of " + shown);
    assertTrue(
        deadLetters().stream().anyMatch(d -> d.reason.equals("PENDING_LIMIT_EXCEEDED"))
            && deadLetters().stream().anyMatch(d -> d.reason.equals("IMPRESSION_WITHOUT_CODES")),
        "both ways to fail were exercised");
    assertNothingWaits(withCodes.size());
  }

  @Test
  void shouldRefuseANegativeBoundOrNoTimeout() {
    assertThrows(IllegalArgumentException.class, () -> new JoinImpressionWithCodesFunction(-1, 1));
    assertThrows(IllegalArgumentException.class, () -> new JoinImpressionWithCodesFunction(1, 0));
  }
}
