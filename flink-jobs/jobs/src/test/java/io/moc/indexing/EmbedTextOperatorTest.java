package io.moc.indexing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moc.common.DeadLetters;
import io.moc.common.RawRecord;
import io.moc.embed.SentenceEmbedder;
import io.moc.embed.TextEmbedder;
import io.moc.embed.TextEmbedderFactory;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The keyed micro-batching operator with the real MiniLM model. */
class EmbedTextOperatorTest {

  private static final SentenceEmbedder.Options OPTIONS = SentenceEmbedder.Options.defaults();
  private static final TextEmbedderFactory MINILM = SentenceEmbedder.factory(OPTIONS);
  private static final int BATCH = 4;
  private static final long WAIT_MS = 20;
  private static final String MARKER = "<unembeddable>";

  private KeyedOneInputStreamOperatorTestHarness<String, ItemUpdate, EmbeddedItem> harness;

  /** MiniLM, except that it fails on texts with {@link #MARKER}, or on everything. */
  private static final class FailingEmbedder implements TextEmbedder {
    private final TextEmbedder model;
    private final boolean failAll;

    FailingEmbedder(boolean failAll) {
      this.model = SentenceEmbedder.open(OPTIONS);
      this.failAll = failAll;
    }

    @Override
    public String modelName() {
      return model.modelName();
    }

    @Override
    public int dimension() {
      return model.dimension();
    }

    @Override
    public float[][] embed(List<String> texts) {
      if (failAll || texts.stream().anyMatch(t -> t.contains(MARKER))) {
        throw new IllegalArgumentException("cannot embed");
      }
      return model.embed(texts);
    }

    @Override
    public void close() {
      model.close();
    }
  }

  private void open(TextEmbedderFactory factory) throws Exception {
    open(factory, false);
  }

  private void open(TextEmbedderFactory factory, boolean forwardText) throws Exception {
    harness =
        new KeyedOneInputStreamOperatorTestHarness<>(
            new EmbedTextOperator(
                factory,
                SentenceEmbedder.MODEL_NAME,
                SentenceEmbedder.DIMENSION,
                BATCH,
                WAIT_MS,
                forwardText),
            u -> u.itemId,
            Types.STRING);
    harness.setProcessingTime(0);
    harness.open();
  }

  @AfterEach
  void close() throws Exception {
    if (harness != null) {
      harness.close();
    }
  }

  private static ItemUpdate text(String id, String text) {
    ItemUpdate u = new ItemUpdate();
    u.itemId = id;
    u.text = text;
    u.fingerprint = io.moc.util.Sha256.hex(text);
    u.eventTime = 11;
    u.appendTime = 22;
    u.source = new RawRecord("items", 0, 5, 0, null, null);
    return u;
  }

  private int timers() {
    return harness.getProcessingTimeService().getNumActiveTimers();
  }

  @Test
  void shouldEmbedAsSoonAsTheBatchIsFull() throws Exception {
    open(MINILM);
    for (int i = 0; i < BATCH - 1; i++) {
      harness.processElement(text("i" + i, "hydrating face cream " + i), 0);
    }
    assertTrue(harness.extractOutputValues().isEmpty(), "a partial batch waits");
    harness.processElement(text("last", "rose lip balm"), 0);

    List<EmbeddedItem> out = harness.extractOutputValues();
    assertEquals(List.of("i0", "i1", "i2", "last"), out.stream().map(e -> e.itemId).toList());
    try (TextEmbedder reference = MINILM.open()) {
      assertArrayEquals(reference.embed(List.of("rose lip balm"))[0], out.get(3).embedding, 1e-6f);
    }
    assertEquals(11, out.get(0).eventTime);
    assertEquals(22, out.get(0).appendTime);
  }

  @Test
  void shouldSendTheTextOnOnlyWhenEmbeddingsAreDroppedAfterCoding() throws Exception {
    open(MINILM, true);
    harness.processElement(text("a", "argan oil shampoo"), 0);
    harness.setProcessingTime(WAIT_MS);
    assertEquals("argan oil shampoo", harness.extractOutputValues().get(0).text);
    harness.close();

    open(MINILM, false);
    harness.processElement(text("a", "argan oil shampoo"), 0);
    harness.setProcessingTime(WAIT_MS);
    assertNull(harness.extractOutputValues().get(0).text, "no text travels while it is not held");
  }

  @Test
  void shouldEmbedAPartialBatchWhenTheWaitTimeExpires() throws Exception {
    open(MINILM);
    harness.processElement(text("a", "argan oil shampoo"), 0);
    harness.processElement(text("b", "matte red lipstick"), 0);
    assertTrue(harness.extractOutputValues().isEmpty());
    assertEquals(1, timers());

    harness.setProcessingTime(WAIT_MS);

    assertEquals(2, harness.extractOutputValues().size());
    assertEquals(0, timers());
  }

  @Test
  void shouldFlushTheBufferBeforeACheckpointBarrier() throws Exception {
    open(MINILM);
    harness.processElement(text("a", "argan oil shampoo"), 0);
    harness.prepareSnapshotPreBarrier(1);
    assertEquals(
        1, harness.extractOutputValues().size(), "no item may sit in an unsnapshotted buffer");
  }

  @Test
  void shouldMarkARepublishedTextUnchangedAndNotEmbedItAgain() throws Exception {
    open(MINILM);
    harness.processElement(text("a", "rose serum"), 0);
    harness.setProcessingTime(WAIT_MS);
    harness.processElement(text("a", "rose serum"), 0);
    harness.processElement(text("b", "rose serum"), 0);
    harness.processElement(text("a", "rose serum 50ml"), 0);
    harness.setProcessingTime(2 * WAIT_MS);

    List<EmbeddedItem> out = harness.extractOutputValues();
    assertEquals(4, out.size(), "unchanged updates still go on, to re-emit their codes");
    assertNull(out.get(1).embedding, "same item, same text: the held embedding is reused");
    assertEquals(5, out.get(1).source.offset, "kept to dead-letter it if nothing is held");
    assertTrue(out.get(2).embedding != null, "another item with the same text is embedded");
    assertTrue(out.get(3).embedding != null, "a changed text is embedded");
  }

  @Test
  void shouldForgetTheTextOnDeletionSoARecreatedItemIsEmbeddedAgain() throws Exception {
    open(MINILM);
    harness.processElement(text("a", "rose serum"), 0);
    harness.processElement(ItemUpdate.deletion("a", new RawRecord()), 0);
    harness.setProcessingTime(WAIT_MS);
    assertEquals(0, harness.numKeyedStateEntries(), "a deleted item leaves no state");
    assertEquals(0, timers());

    harness.processElement(text("a", "rose serum"), 0);
    harness.setProcessingTime(2 * WAIT_MS);

    List<EmbeddedItem> out = harness.extractOutputValues();
    assertEquals(3, out.size());
    assertFalse(out.get(0).deleted);
    assertTrue(out.get(1).deleted, "the deletion comes after the update it follows");
    assertTrue(out.get(2).embedding != null, "a re-created item is embedded again");
  }

  @Test
  void shouldPassPrecomputedItemsThroughWithoutWaiting() throws Exception {
    open(MINILM);
    ItemUpdate precomputed = text("p", "ignored");
    precomputed.text = null;
    precomputed.embedding = new float[] {1, 2, 3};
    harness.processElement(precomputed, 0);

    List<EmbeddedItem> out = harness.extractOutputValues();
    assertEquals(1, out.size(), "nothing to embed: nothing waits");
    assertArrayEquals(new float[] {1, 2, 3}, out.get(0).embedding);
    assertEquals(0, timers());
  }

  @Test
  void shouldEmbedATextAgainOnceAPrecomputedEmbeddingReplacedIt() throws Exception {
    open(MINILM);
    harness.processElement(text("a", "rose serum"), 0);
    harness.setProcessingTime(WAIT_MS);
    ItemUpdate precomputed = text("a", "ignored");
    precomputed.text = null;
    precomputed.fingerprint = null;
    precomputed.embedding = new float[] {1, 2, 3};
    harness.processElement(precomputed, 0);
    harness.processElement(precomputed, 0);
    harness.processElement(text("a", "rose serum"), 0);
    harness.setProcessingTime(2 * WAIT_MS);

    List<EmbeddedItem> out = harness.extractOutputValues();
    assertEquals(4, out.size());
    assertArrayEquals(
        new float[] {1, 2, 3}, out.get(2).embedding, "a precomputed one always travels with it");
    assertTrue(
        out.get(3).embedding != null && out.get(3).embedding.length > 3,
        "the held embedding is the precomputed one: the old text must be embedded again");
    harness.processElement(precomputed, 0);
    assertEquals(5, harness.extractOutputValues().size());
    assertEquals(0, timers(), "precomputed items never wait for a batch");
  }

  @Test
  void shouldDeadLetterOnlyTheTextThatFailsAndEmbedItAgainWhenRepublished() throws Exception {
    open(() -> new FailingEmbedder(false));
    harness.processElement(text("good", "argan oil shampoo"), 0);
    harness.processElement(text("bad", "a text " + MARKER), 0);
    harness.setProcessingTime(WAIT_MS);

    assertEquals(
        List.of("good"), harness.extractOutputValues().stream().map(e -> e.itemId).toList());
    var letters = harness.getSideOutput(DeadLetters.TAG);
    assertEquals(1, letters.size());
    assertEquals("EMBEDDING_FAILED", letters.peek().getValue().reason);
    assertEquals(1, harness.numKeyedStateEntries(), "a failed text is not remembered");

    // Published again, the failed text is tried again, not passed on as unchanged.
    harness.processElement(text("bad", "a text " + MARKER), 0);
    harness.setProcessingTime(2 * WAIT_MS);
    assertEquals(2, harness.getSideOutput(DeadLetters.TAG).size());
  }

  @Test
  void shouldFailTheJobWhenTheModelFailsOnEveryText() throws Exception {
    open(() -> new FailingEmbedder(true));
    harness.processElement(text("a", "argan oil shampoo"), 0);
    harness.processElement(text("b", "matte red lipstick"), 0);
    assertThrows(Exception.class, () -> harness.setProcessingTime(WAIT_MS));
  }

  @Test
  void shouldRefuseAnEmbedderOfAnotherModelThanConfigured() throws Exception {
    harness =
        new KeyedOneInputStreamOperatorTestHarness<>(
            new EmbedTextOperator(MINILM, "bge-small", 384, BATCH, WAIT_MS, false),
            u -> u.itemId,
            Types.STRING);
    Exception e = assertThrows(Exception.class, harness::open);
    assertTrue(String.valueOf(e.getMessage()).contains("bge-small"), e.getMessage());
  }
}
