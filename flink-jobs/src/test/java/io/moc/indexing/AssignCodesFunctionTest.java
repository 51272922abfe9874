package io.moc.indexing;

import static io.moc.indexing.TestItems.codebookVersion;
import static io.moc.indexing.TestItems.deleted;
import static io.moc.indexing.TestItems.embedded;
import static io.moc.indexing.TestItems.vector;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moc.codebook.Codebook;
import io.moc.codebook.CodebookCodec;
import io.moc.common.DeadLetters;
import io.moc.common.RawRecord;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.AbstractKeyedStateBackend;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AssignCodesFunctionTest {

  private KeyedBroadcastOperatorTestHarness<String, EmbeddedItem, CodebookEntry, CodedItem> harness;

  @BeforeEach
  void open() throws Exception {
    harness =
        ProcessFunctionTestHarnesses.forKeyedBroadcastProcessFunction(
            new AssignCodesFunction(), e -> e.itemId, Types.STRING, CodebookBroadcast.VERSIONS);
  }

  @AfterEach
  void close() throws Exception {
    harness.close();
  }

  private static int[] expectedCodes(CodebookEntry version, float[] embedding) {
    Codebook codebook = CodebookCodec.deserialize(version.method, version.artifact);
    return codebook.assign(embedding).codes();
  }

  private int keyedStateEntries() {
    AbstractStreamOperator<?> operator = (AbstractStreamOperator<?>) harness.getOperator();
    return ((AbstractKeyedStateBackend<?>) operator.getKeyedStateBackend())
        .numKeyValueStateEntries();
  }

  @Test
  void shouldCodeItemsWithTheBroadcastVersion() throws Exception {
    CodebookEntry v1 = codebookVersion(1, 1);
    harness.processBroadcastElement(v1, 0);
    float[] x = vector(7);
    harness.processElement(embedded("a", x, 123), 0);

    List<CodedItem> out = harness.extractOutputValues();
    assertEquals(1, out.size());
    CodedItem codes = out.get(0);
    assertEquals("a", codes.itemId);
    assertEquals(1, codes.codebookVersion);
    assertEquals(123, codes.itemEventTime);
    assertArrayEquals(expectedCodes(v1, x), codes.codes);
  }

  @Test
  void shouldHoldItemsBeforeTheFirstCodebookAndCodeThemWhenItArrives() throws Exception {
    harness.processElement(embedded("a", vector(1), 1), 0);
    harness.processElement(embedded("b", vector(2), 2), 0);
    assertTrue(harness.extractOutputValues().isEmpty(), "nothing can be coded without a codebook");

    CodebookEntry v1 = codebookVersion(1, 1);
    harness.processBroadcastElement(v1, 0);

    Map<String, CodedItem> out =
        harness.extractOutputValues().stream().collect(Collectors.toMap(c -> c.itemId, c -> c));
    assertEquals(2, out.size());
    assertArrayEquals(expectedCodes(v1, vector(1)), out.get("a").codes);
    assertArrayEquals(expectedCodes(v1, vector(2)), out.get("b").codes);
    assertTrue(out.values().stream().allMatch(c -> c.codebookVersion == 1));
  }

  @Test
  void shouldRecodeAllItemsWhenCodebookVersionChanges() throws Exception {
    harness.processBroadcastElement(codebookVersion(1, 1), 0);
    for (int i = 0; i < 20; i++) {
      harness.processElement(embedded("item-" + i, vector(i), i), 0);
    }
    int before = harness.extractOutputValues().size();
    assertEquals(20, before);

    CodebookEntry v2 = codebookVersion(2, 99);
    harness.processBroadcastElement(v2, 0);

    List<CodedItem> recoded = harness.extractOutputValues().subList(before, before + 20);
    assertEquals(20, recoded.stream().map(c -> c.itemId).distinct().count());
    for (CodedItem c : recoded) {
      assertEquals(2, c.codebookVersion);
      int i = Integer.parseInt(c.itemId.substring(5));
      assertArrayEquals(expectedCodes(v2, vector(i)), c.codes);
      assertEquals(i, c.itemEventTime, "re-coding keeps the item's event time");
    }
    // New items now get the new version.
    harness.processElement(embedded("late", vector(500), 9), 0);
    List<CodedItem> all = harness.extractOutputValues();
    assertEquals(2, all.get(all.size() - 1).codebookVersion);
  }

  @Test
  void shouldNotRecodeWhenAnOlderVersionArrivesLate() throws Exception {
    harness.processBroadcastElement(codebookVersion(3, 3), 0);
    harness.processElement(embedded("a", vector(1), 1), 0);
    harness.processBroadcastElement(codebookVersion(2, 2), 0);
    harness.processElement(embedded("b", vector(2), 1), 0);

    List<CodedItem> out = harness.extractOutputValues();
    assertEquals(2, out.size());
    assertTrue(out.stream().allMatch(c -> c.codebookVersion == 3));
  }

  @Test
  void shouldClearStateOnTombstoneAndNotRecodeTheDeletedItem() throws Exception {
    harness.processBroadcastElement(codebookVersion(1, 1), 0);
    harness.processElement(embedded("a", vector(1), 1), 0);
    harness.processElement(embedded("b", vector(2), 1), 0);
    assertEquals(2, keyedStateEntries());

    harness.processElement(deleted("a"), 0);

    List<CodedItem> out = harness.extractOutputValues();
    CodedItem tombstone = out.get(out.size() - 1);
    assertEquals("a", tombstone.itemId);
    assertTrue(tombstone.deleted);
    assertEquals(1, keyedStateEntries());
    assertEquals(0, harness.numProcessingTimeTimers());
    assertEquals(0, harness.numEventTimeTimers());

    harness.processBroadcastElement(codebookVersion(2, 2), 0);
    List<CodedItem> recoded =
        harness.extractOutputValues().subList(out.size(), harness.extractOutputValues().size());
    assertEquals(List.of("b"), recoded.stream().map(c -> c.itemId).toList());
  }

  @Test
  void shouldReuseTheHeldEmbeddingForUnchangedText() throws Exception {
    CodebookEntry v1 = codebookVersion(1, 1);
    harness.processBroadcastElement(v1, 0);
    harness.processElement(embedded("a", vector(5), 1), 0);
    harness.processElement(embedded("a", null, 2), 0);

    List<CodedItem> out = harness.extractOutputValues();
    assertEquals(2, out.size());
    assertArrayEquals(expectedCodes(v1, vector(5)), out.get(1).codes);
    assertEquals(2, out.get(1).itemEventTime);
  }

  @Test
  void shouldDeadLetterAnUnchangedItemWithNoHeldEmbedding() throws Exception {
    harness.processBroadcastElement(codebookVersion(1, 1), 0);
    EmbeddedItem unchanged = embedded("ghost", null, 2);
    unchanged.source = new RawRecord("items", 0, 17, 0, null, new byte[] {1});
    harness.processElement(unchanged, 0);

    assertTrue(harness.extractOutputValues().isEmpty());
    var deadLetters = harness.getSideOutput(DeadLetters.TAG);
    assertEquals(1, deadLetters.size());
    assertEquals("EMBEDDING_FAILED", deadLetters.peek().getValue().reason);
    assertEquals(17, deadLetters.peek().getValue().offset);
  }

  private static KeyedBroadcastOperatorTestHarness<String, EmbeddedItem, CodebookEntry, CodedItem>
      restored(org.apache.flink.runtime.checkpoint.OperatorSubtaskState snapshot) throws Exception {
    var harness =
        new KeyedBroadcastOperatorTestHarness<>(
            new org.apache.flink.streaming.api.operators.co.CoBroadcastWithKeyedOperator<>(
                new AssignCodesFunction(), List.of(CodebookBroadcast.VERSIONS)),
            (EmbeddedItem e) -> e.itemId,
            Types.STRING,
            1,
            1,
            0);
    harness.setup();
    harness.initializeState(snapshot);
    harness.open();
    return harness;
  }

  @Test
  void shouldCodeWithTheRestoredVersionAndRecodeRestoredItemsAfterARestore() throws Exception {
    CodebookEntry v1 = codebookVersion(1, 1);
    harness.processBroadcastElement(v1, 0);
    harness.processElement(embedded("a", vector(1), 1), 0);
    var snapshot = harness.snapshot(1, 1);
    harness.close();

    harness = restored(snapshot);
    // The active version is known again from broadcast state alone.
    harness.processElement(embedded("b", vector(2), 2), 0);
    assertEquals(1, harness.extractOutputValues().get(0).codebookVersion);
    assertArrayEquals(expectedCodes(v1, vector(2)), harness.extractOutputValues().get(0).codes);

    CodebookEntry v2 = codebookVersion(2, 2);
    harness.processBroadcastElement(v2, 0);
    Map<String, CodedItem> recoded =
        harness.extractOutputValues().stream()
            .filter(c -> c.codebookVersion == 2)
            .collect(Collectors.toMap(c -> c.itemId, c -> c));
    assertEquals(java.util.Set.of("a", "b"), recoded.keySet(), "restored items are re-coded too");
    assertArrayEquals(expectedCodes(v2, vector(1)), recoded.get("a").codes);
  }

  @Test
  void shouldKeepOnlyTheNewestVersionsInBroadcastState() throws Exception {
    for (long v = 1; v <= 5; v++) {
      harness.processBroadcastElement(codebookVersion(v, v), 0);
    }
    int kept = 0;
    for (var ignored : harness.getBroadcastState(CodebookBroadcast.VERSIONS).entries()) {
      kept++;
    }
    assertEquals(AssignCodesFunction.VERSIONS_KEPT, kept);
    assertTrue(harness.getBroadcastState(CodebookBroadcast.VERSIONS).contains(5L));
  }
}
