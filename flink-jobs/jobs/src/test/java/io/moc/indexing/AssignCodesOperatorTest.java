package io.moc.indexing;

import static io.moc.indexing.TestItems.codebookVersion;
import static io.moc.indexing.TestItems.deleted;
import static io.moc.indexing.TestItems.embedded;
import static io.moc.indexing.TestItems.vector;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moc.codebook.Codebook;
import io.moc.codebook.CodebookCodec;
import io.moc.common.DeadLetters;
import io.moc.common.Harnesses;
import io.moc.common.RawRecord;
import io.moc.embed.TextEmbedder;
import io.moc.util.Poll;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.AbstractKeyedStateBackend;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AssignCodesOperatorTest {

  private KeyedTwoInputStreamOperatorTestHarness<String, EmbeddedItem, CodebookEntry, CodedItem>
      harness;

  @BeforeEach
  void open() throws Exception {
    harness = harness(null, null);
  }

  @AfterEach
  void close() throws Exception {
    harness.close();
  }

  /** A harness around a new operator (re-coding in steps of 4 items), restored if given. */
  private static KeyedTwoInputStreamOperatorTestHarness<
          String, EmbeddedItem, CodebookEntry, CodedItem>
      harness(OperatorSubtaskState restoreFrom, StateBackend backend) throws Exception {
    var h =
        new KeyedTwoInputStreamOperatorTestHarness<String, EmbeddedItem, CodebookEntry, CodedItem>(
            new AssignCodesOperator(4, 1000, 1, null), e -> e.itemId, null, Types.STRING, 1, 1, 0);
    return Harnesses.started(h, backend, restoreFrom);
  }

  private AssignCodesOperator operator() {
    return (AssignCodesOperator) harness.getOperator();
  }

  private void broadcast(CodebookEntry version) throws Exception {
    harness.processElement2(version, 0);
  }

  private void item(EmbeddedItem item) throws Exception {
    harness.processElement1(item, 0);
  }

  /** Lets the pending re-coding steps run, as the mailbox would between records; returns steps. */
  private int finishRecoding() throws Exception {
    int steps = 0;
    while (operator().recoding()) {
      harness.setProcessingTime(harness.getProcessingTime() + 1);
      steps++;
    }
    assertEquals(0, harness.getProcessingTimeService().getNumActiveTimers(), "no step left");
    return steps;
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

  /** A text model of {@link TestItems#DIM} dimensions: {@link TestItems#vector} of the text. */
  private static final class TextVectors implements TextEmbedder {
    static final AtomicInteger EMBEDDED = new AtomicInteger();

    static float[] of(String text) {
      return vector(text.hashCode());
    }

    @Override
    public String modelName() {
      return TestItems.MODEL;
    }

    @Override
    public int dimension() {
      return TestItems.DIM;
    }

    @Override
    public float[][] embed(List<String> texts) {
      if (texts.stream().anyMatch(t -> t.contains("unembeddable"))) {
        throw new IllegalArgumentException("cannot embed");
      }
      EMBEDDED.addAndGet(texts.size());
      return texts.stream().map(TextVectors::of).toArray(float[][]::new);
    }

    @Override
    public void close() {}
  }

  /**
   * A harness whose operator holds texts, not embeddings, and re-embeds with {@link TextVectors}.
   */
  private static KeyedTwoInputStreamOperatorTestHarness<
          String, EmbeddedItem, CodebookEntry, CodedItem>
      droppingEmbeddings(OperatorSubtaskState restoreFrom) throws Exception {
    var h =
        new KeyedTwoInputStreamOperatorTestHarness<String, EmbeddedItem, CodebookEntry, CodedItem>(
            new AssignCodesOperator(4, 1000, 1, TextVectors::new),
            e -> e.itemId,
            null,
            Types.STRING,
            1,
            1,
            0);
    return Harnesses.started(h, null, restoreFrom);
  }

  private static EmbeddedItem withText(String id, String text, long eventTime) {
    EmbeddedItem e = embedded(id, TextVectors.of(text), eventTime);
    e.text = text;
    return e;
  }

  private HeldItem held(String itemId) throws Exception {
    AbstractStreamOperator<?> operator = (AbstractStreamOperator<?>) harness.getOperator();
    operator.setCurrentKey(itemId);
    return operator
        .getPartitionedState(
            VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE, AssignCodesOperator.ITEM)
        .value();
  }

  @Test
  void shouldHoldTheTextAndCodesInsteadOfTheEmbeddingWhenEmbeddingsAreDropped() throws Exception {
    harness.close();
    harness = droppingEmbeddings(null);
    CodebookEntry v1 = codebookVersion(1, 1);
    broadcast(v1);
    finishRecoding();

    item(withText("a", "rose face serum", 5));
    item(embedded("b", vector(3), 6));

    List<CodedItem> out = harness.extractOutputValues();
    assertArrayEquals(expectedCodes(v1, TextVectors.of("rose face serum")), out.get(0).codes);
    HeldItem a = held("a");
    assertEquals(null, a.embedding, "the embedding is dropped");
    assertEquals("rose face serum", a.text);
    assertArrayEquals(out.get(0).codes, a.codes);
    assertEquals(1, a.codesVersion);
    HeldItem b = held("b");
    assertArrayEquals(vector(3), b.embedding, "without a text the embedding is all there is");
  }

  @Test
  void shouldReembedDroppedItemsOnANewVersionToTheCodesOfHeldEmbeddings() throws Exception {
    harness.close();
    harness = droppingEmbeddings(null);
    broadcast(codebookVersion(1, 1));
    finishRecoding();
    for (int i = 0; i < 10; i++) {
      item(withText("item-" + i, "text of item " + i, i));
    }
    item(embedded("precomputed", vector(77), 77));
    int before = harness.extractOutputValues().size();
    int embeddedBefore = TextVectors.EMBEDDED.get();

    CodebookEntry v2 = codebookVersion(2, 99);
    broadcast(v2);
    finishRecoding();

    List<CodedItem> recoded = harness.extractOutputValues().subList(before, before + 11);
    assertEquals(11, recoded.stream().map(c -> c.itemId).distinct().count());
    for (CodedItem c : recoded) {
      assertEquals(2, c.codebookVersion);
      float[] embedding =
          c.itemId.equals("precomputed")
              ? vector(77)
              : TextVectors.of("text of item " + c.itemId.substring(5));
      assertArrayEquals(expectedCodes(v2, embedding), c.codes, c.itemId);
    }
    assertEquals(10, TextVectors.EMBEDDED.get() - embeddedBefore, "each text embedded again once");
    assertEquals(2, held("item-3").codesVersion);
    assertEquals(null, held("item-3").embedding);
  }

  @Test
  void shouldResendTheHeldCodesOfAnUnchangedTextWithoutEmbeddingIt() throws Exception {
    harness.close();
    harness = droppingEmbeddings(null);
    broadcast(codebookVersion(1, 1));
    finishRecoding();
    item(withText("a", "lip balm", 1));
    int embeddedBefore = TextVectors.EMBEDDED.get();

    EmbeddedItem unchanged = embedded("a", null, 2);
    item(unchanged);

    List<CodedItem> out = harness.extractOutputValues();
    assertEquals(2, out.size());
    assertArrayEquals(out.get(0).codes, out.get(1).codes);
    assertEquals(2, out.get(1).itemEventTime);
    assertEquals(embeddedBefore, TextVectors.EMBEDDED.get(), "no model call");
  }

  @Test
  void shouldDeadLetterAHeldTextThatNoLongerEmbedsAndRecodeTheRest() throws Exception {
    harness.close();
    harness = droppingEmbeddings(null);
    broadcast(codebookVersion(1, 1));
    finishRecoding();
    item(withText("good", "hand cream", 1));
    item(withText("bad", "unembeddable text", 2));
    int before = harness.extractOutputValues().size();

    broadcast(codebookVersion(2, 99));
    finishRecoding();

    List<CodedItem> recoded = harness.extractOutputValues().subList(before, before + 1);
    assertEquals("good", recoded.get(0).itemId);
    assertEquals(before + 1, harness.extractOutputValues().size());
    var rejected = harness.getSideOutput(DeadLetters.TAG);
    assertEquals(1, rejected.size());
    assertEquals(1, held("bad").codesVersion, "the item keeps its last codes");
  }

  @Test
  void shouldCodeItemsWithTheBroadcastVersion() throws Exception {
    CodebookEntry v1 = codebookVersion(1, 1);
    broadcast(v1);
    finishRecoding();
    float[] x = vector(7);
    item(embedded("a", x, 123));

    List<CodedItem> out = harness.extractOutputValues();
    assertEquals(1, out.size());
    CodedItem codes = out.get(0);
    assertEquals("a", codes.itemId);
    assertEquals(1, codes.codebookVersion);
    assertEquals(123, codes.itemEventTime);
    assertArrayEquals(expectedCodes(v1, x), codes.codes);
  }

  @Test
  void shouldRecodeEveryItemWithTheSameCodesOnSeveralThreads(@TempDir Path dir) throws Exception {
    harness.close();
    harness =
        Harnesses.started(
            new KeyedTwoInputStreamOperatorTestHarness<>(
                new AssignCodesOperator(4096, 1000, 3, null),
                e -> e.itemId,
                null,
                Types.STRING,
                1,
                1,
                0),
            Harnesses.rocksDb(dir),
            null);
    broadcast(codebookVersion(1, 1));
    finishRecoding();
    int items = 3 * AssignCodesOperator.RECODE_BATCH + 5;
    for (int i = 0; i < items; i++) {
      item(embedded("item-" + i, vector(i), i));
    }
    int before = harness.extractOutputValues().size();

    CodebookEntry v2 = codebookVersion(2, 99);
    broadcast(v2);
    finishRecoding();

    List<CodedItem> recoded = harness.extractOutputValues().subList(before, before + items);
    assertEquals(before + items, harness.extractOutputValues().size(), "each item once");
    Map<String, CodedItem> byId = recoded.stream().collect(Collectors.toMap(c -> c.itemId, c -> c));
    for (int i = 0; i < items; i++) {
      CodedItem c = byId.get("item-" + i);
      assertEquals(2, c.codebookVersion);
      assertArrayEquals(expectedCodes(v2, vector(i)), c.codes, "item-" + i);
      assertEquals(i, c.itemEventTime, "the codes belong to their own item");
    }
    assertTrue(workers() > 0, "the pass ran on workers too");
    harness.close();
    Poll.until(
        "the workers to end with the operator", Duration.ofSeconds(10), () -> workers() == 0);
    harness = harness(null, null); // for close()
  }

  private static long workers() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("recode-assign-") && t.isAlive())
        .count();
  }

  @Test
  void shouldHoldItemsBeforeTheFirstCodebookAndCodeThemWhenItArrives() throws Exception {
    item(embedded("a", vector(1), 1));
    item(embedded("b", vector(2), 2));
    assertTrue(harness.extractOutputValues().isEmpty(), "nothing can be coded without a codebook");

    CodebookEntry v1 = codebookVersion(1, 1);
    broadcast(v1);
    finishRecoding();

    Map<String, CodedItem> out =
        harness.extractOutputValues().stream().collect(Collectors.toMap(c -> c.itemId, c -> c));
    assertEquals(2, out.size());
    assertArrayEquals(expectedCodes(v1, vector(1)), out.get("a").codes);
    assertArrayEquals(expectedCodes(v1, vector(2)), out.get("b").codes);
    assertTrue(out.values().stream().allMatch(c -> c.codebookVersion == 1));
  }

  @Test
  void shouldRecodeAllItemsWhenCodebookVersionChanges() throws Exception {
    broadcast(codebookVersion(1, 1));
    finishRecoding();
    for (int i = 0; i < 20; i++) {
      item(embedded("item-" + i, vector(i), i));
    }
    int before = harness.extractOutputValues().size();
    assertEquals(20, before);

    CodebookEntry v2 = codebookVersion(2, 99);
    broadcast(v2);
    finishRecoding();

    List<CodedItem> recoded = harness.extractOutputValues().subList(before, before + 20);
    assertEquals(20, recoded.stream().map(c -> c.itemId).distinct().count());
    for (CodedItem c : recoded) {
      assertEquals(2, c.codebookVersion);
      int i = Integer.parseInt(c.itemId.substring(5));
      assertArrayEquals(expectedCodes(v2, vector(i)), c.codes);
      assertEquals(i, c.itemEventTime, "re-coding keeps the item's event time");
    }
    // New items now get the new version.
    item(embedded("late", vector(500), 9));
    List<CodedItem> all = harness.extractOutputValues();
    assertEquals(2, all.get(all.size() - 1).codebookVersion);
  }

  @Test
  void shouldNotRecodeWhenAnOlderVersionArrivesLate() throws Exception {
    broadcast(codebookVersion(3, 3));
    finishRecoding();
    item(embedded("a", vector(1), 1));
    broadcast(codebookVersion(2, 2));
    finishRecoding();
    item(embedded("b", vector(2), 1));

    List<CodedItem> out = harness.extractOutputValues();
    assertEquals(2, out.size());
    assertTrue(out.stream().allMatch(c -> c.codebookVersion == 3));
  }

  @Test
  void shouldClearStateOnTombstoneAndNotRecodeTheDeletedItem() throws Exception {
    broadcast(codebookVersion(1, 1));
    finishRecoding();
    item(embedded("a", vector(1), 1));
    item(embedded("b", vector(2), 1));
    assertEquals(2, keyedStateEntries());

    item(deleted("a"));

    List<CodedItem> out = harness.extractOutputValues();
    CodedItem tombstone = out.get(out.size() - 1);
    assertEquals("a", tombstone.itemId);
    assertTrue(tombstone.deleted);
    assertEquals(1, keyedStateEntries());
    assertEquals(0, harness.numProcessingTimeTimers());
    assertEquals(0, harness.numEventTimeTimers());

    broadcast(codebookVersion(2, 2));
    finishRecoding();
    List<CodedItem> recoded =
        harness.extractOutputValues().subList(out.size(), harness.extractOutputValues().size());
    assertEquals(List.of("b"), recoded.stream().map(c -> c.itemId).toList());
  }

  @Test
  void shouldReuseTheHeldEmbeddingForUnchangedText() throws Exception {
    CodebookEntry v1 = codebookVersion(1, 1);
    broadcast(v1);
    finishRecoding();
    item(embedded("a", vector(5), 1));
    item(embedded("a", null, 2));

    List<CodedItem> out = harness.extractOutputValues();
    assertEquals(2, out.size());
    assertArrayEquals(expectedCodes(v1, vector(5)), out.get(1).codes);
    assertEquals(2, out.get(1).itemEventTime);
  }

  @Test
  void shouldDeadLetterAnUnchangedItemWithNoHeldEmbedding() throws Exception {
    broadcast(codebookVersion(1, 1));
    finishRecoding();
    EmbeddedItem unchanged = embedded("ghost", null, 2);
    unchanged.source = new RawRecord("items", 0, 17, 0, null, new byte[] {1});
    item(unchanged);

    assertTrue(harness.extractOutputValues().isEmpty());
    var deadLetters = harness.getSideOutput(DeadLetters.TAG);
    assertEquals(1, deadLetters.size());
    assertEquals("EMBEDDING_FAILED", deadLetters.peek().getValue().reason);
    assertEquals(17, deadLetters.peek().getValue().offset);
  }

  @Test
  void shouldCodeWithTheRestoredVersionAndRecodeRestoredItemsAfterARestore() throws Exception {
    CodebookEntry v1 = codebookVersion(1, 1);
    broadcast(v1);
    finishRecoding();
    item(embedded("a", vector(1), 1));
    var snapshot = harness.snapshot(1, 1);
    harness.close();

    harness = harness(snapshot, null);
    // The active version is known again from broadcast state alone.
    item(embedded("b", vector(2), 2));
    assertEquals(1, harness.extractOutputValues().get(0).codebookVersion);
    assertArrayEquals(expectedCodes(v1, vector(2)), harness.extractOutputValues().get(0).codes);

    CodebookEntry v2 = codebookVersion(2, 2);
    broadcast(v2);
    finishRecoding();
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
      broadcast(codebookVersion(v, v));
      finishRecoding();
    }
    int kept = 0;
    for (var ignored :
        operator()
            .getOperatorStateBackend()
            .getBroadcastState(CodebookBroadcast.VERSIONS)
            .entries()) {
      kept++;
    }
    assertEquals(AssignCodesOperator.VERSIONS_KEPT, kept);
    assertTrue(
        operator()
            .getOperatorStateBackend()
            .getBroadcastState(CodebookBroadcast.VERSIONS)
            .contains(5L));
  }

  private Map<String, CodedItem> latestCodes() {
    return harness.extractOutputValues().stream()
        .collect(Collectors.toMap(c -> c.itemId, c -> c, (a, b) -> b));
  }

  @Test
  void shouldRecodeInStepsAndCodeNewItemsBetweenThem() throws Exception {
    broadcast(codebookVersion(1, 1));
    finishRecoding();
    for (int i = 0; i < 20; i++) {
      item(embedded("item-" + i, vector(i), i));
    }
    int before = harness.extractOutputValues().size();

    CodebookEntry v2 = codebookVersion(2, 99);
    broadcast(v2);
    assertEquals(before, harness.extractOutputValues().size(), "the pass runs as its own steps");
    harness.setProcessingTime(harness.getProcessingTime() + 1);
    assertEquals(before + 4, harness.extractOutputValues().size(), "one step re-codes 4 items");

    // Between steps a record is processed at once, with the new version; so is a checkpoint.
    item(embedded("new", vector(500), 7));
    CodedItem fresh = harness.extractOutputValues().get(harness.extractOutputValues().size() - 1);
    assertEquals("new", fresh.itemId);
    assertEquals(2, fresh.codebookVersion);
    harness.snapshot(1, 1);
    assertTrue(operator().recoding());

    int steps = finishRecoding();
    assertTrue(steps >= 4, "20 items in steps of 4 take at least 5 steps in all, took " + steps);
    Map<String, CodedItem> latest = latestCodes();
    assertEquals(21, latest.size());
    for (int i = 0; i < 20; i++) {
      CodedItem c = latest.get("item-" + i);
      assertEquals(2, c.codebookVersion);
      assertArrayEquals(expectedCodes(v2, vector(i)), c.codes);
    }
  }

  @Test
  void shouldFinishAnUnfinishedRecodingPassAfterARestore() throws Exception {
    broadcast(codebookVersion(1, 1));
    finishRecoding();
    for (int i = 0; i < 12; i++) {
      item(embedded("item-" + i, vector(i), i));
    }
    CodebookEntry v2 = codebookVersion(2, 2);
    broadcast(v2);
    harness.setProcessingTime(harness.getProcessingTime() + 1);
    OperatorSubtaskState midPass = harness.snapshot(1, 1);
    harness.close();

    harness = harness(midPass, null);
    assertTrue(operator().recoding(), "the restored operator starts the pass again");
    finishRecoding();
    Map<String, CodedItem> latest = latestCodes();
    assertEquals(12, latest.size(), "every held item is re-coded after the restore");
    assertTrue(latest.values().stream().allMatch(c -> c.codebookVersion == 2));
    assertArrayEquals(expectedCodes(v2, vector(3)), latest.get("item-3").codes);

    // A finished pass is not started again by the next restore.
    OperatorSubtaskState done = harness.snapshot(2, 2);
    harness.close();
    harness = harness(done, null);
    assertFalse(operator().recoding());
  }

  @Test
  void shouldNotEmbedAgainTheTextsAPassReembeddedBeforeARestore() throws Exception {
    harness.close();
    harness = droppingEmbeddings(null);
    broadcast(codebookVersion(1, 1));
    finishRecoding();
    for (int i = 0; i < 12; i++) {
      item(withText("item-" + i, "text of item " + i, i));
    }
    int embeddedBefore = TextVectors.EMBEDDED.get();
    CodebookEntry v2 = codebookVersion(2, 2);
    broadcast(v2);
    // One step of 4 items, then the checkpoint.
    harness.setProcessingTime(harness.getProcessingTime() + 1);
    assertEquals(4, TextVectors.EMBEDDED.get() - embeddedBefore);
    OperatorSubtaskState midPass = harness.snapshot(1, 1);
    harness.close();

    harness = droppingEmbeddings(midPass);
    finishRecoding();
    assertEquals(
        12, TextVectors.EMBEDDED.get() - embeddedBefore, "each text once over both attempts");
    Map<String, CodedItem> latest = latestCodes();
    assertEquals(12, latest.size());
    for (int i = 0; i < 12; i++) {
      CodedItem c = latest.get("item-" + i);
      assertEquals(2, c.codebookVersion);
      assertArrayEquals(expectedCodes(v2, TextVectors.of("text of item " + i)), c.codes);
    }
  }

  @Test
  void shouldRecodeLazilyFromRocksDbWhileItemsChangeBetweenSteps(@TempDir Path dir)
      throws Exception {
    harness.close();
    harness = harness(null, Harnesses.rocksDb(dir));
    broadcast(codebookVersion(1, 1));
    finishRecoding();
    for (int i = 0; i < 30; i++) {
      item(embedded("item-" + i, vector(i), i));
    }
    CodebookEntry v2 = codebookVersion(2, 5);
    broadcast(v2);
    harness.setProcessingTime(harness.getProcessingTime() + 1);
    // Writes while the pass's iterator is open: a new item, a changed one, a deleted one.
    item(embedded("item-new", vector(100), 1));
    item(embedded("item-29", vector(129), 2));
    item(deleted("item-28"));
    harness.snapshot(1, 1);
    finishRecoding();

    Map<String, CodedItem> latest = latestCodes();
    assertTrue(latest.get("item-28").deleted, "a deleted item is not re-coded after its deletion");
    for (int i = 0; i < 28; i++) {
      assertEquals(2, latest.get("item-" + i).codebookVersion);
      assertArrayEquals(expectedCodes(v2, vector(i)), latest.get("item-" + i).codes);
    }
    assertArrayEquals(expectedCodes(v2, vector(129)), latest.get("item-29").codes);
    assertEquals(2, latest.get("item-new").codebookVersion);
  }
}
