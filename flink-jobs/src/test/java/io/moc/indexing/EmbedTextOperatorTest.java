package io.moc.indexing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moc.common.RawRecord;
import io.moc.embed.MiniLmEmbedder;
import io.moc.embed.TextEmbedder;
import io.moc.embed.TextEmbedderFactory;
import java.util.List;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The micro-batching operator with the real MiniLM model. */
class EmbedTextOperatorTest {

  private static final TextEmbedderFactory MINILM =
      MiniLmEmbedder.factory(MiniLmEmbedder.Options.defaults());
  private static final int BATCH = 4;
  private static final long WAIT_MS = 20;

  private OneInputStreamOperatorTestHarness<ItemUpdate, EmbeddedItem> harness;

  @BeforeEach
  void open() throws Exception {
    harness =
        new OneInputStreamOperatorTestHarness<>(new EmbedTextOperator(MINILM, BATCH, WAIT_MS));
    harness.setProcessingTime(0);
    harness.open();
  }

  @AfterEach
  void close() throws Exception {
    harness.close();
  }

  private static ItemUpdate text(String id, String text) {
    ItemUpdate u = new ItemUpdate();
    u.itemId = id;
    u.text = text;
    u.eventTime = 11;
    u.appendTime = 22;
    u.source = new RawRecord();
    return u;
  }

  @Test
  void shouldEmbedAsSoonAsTheBatchIsFull() throws Exception {
    for (int i = 0; i < BATCH - 1; i++) {
      harness.processElement(text("i" + i, "hydrating face cream " + i), 0);
    }
    assertTrue(harness.extractOutputValues().isEmpty(), "a partial batch waits");
    harness.processElement(text("last", "rose lip balm"), 0);

    List<EmbeddedItem> out = harness.extractOutputValues();
    assertEquals(BATCH, out.size());
    assertEquals(List.of("i0", "i1", "i2", "last"), out.stream().map(e -> e.itemId).toList());
    try (TextEmbedder reference = MINILM.open()) {
      assertArrayEquals(reference.embed(List.of("rose lip balm"))[0], out.get(3).embedding, 1e-6f);
    }
    assertEquals(11, out.get(0).eventTime);
    assertEquals(22, out.get(0).appendTime);
  }

  @Test
  void shouldEmbedAPartialBatchWhenTheWaitTimeExpires() throws Exception {
    harness.processElement(text("a", "argan oil shampoo"), 0);
    harness.processElement(text("b", "matte red lipstick"), 0);
    assertTrue(harness.extractOutputValues().isEmpty());
    assertEquals(1, harness.getProcessingTimeService().getNumActiveTimers());

    harness.setProcessingTime(WAIT_MS);

    assertEquals(2, harness.extractOutputValues().size());
    assertEquals(0, harness.getProcessingTimeService().getNumActiveTimers());
  }

  @Test
  void shouldFlushTheBufferBeforeACheckpointBarrier() throws Exception {
    harness.processElement(text("a", "argan oil shampoo"), 0);
    harness.prepareSnapshotPreBarrier(1);
    assertEquals(
        1, harness.extractOutputValues().size(), "no item may sit in an unsnapshotted buffer");
  }

  @Test
  void shouldKeepPerItemOrderWhenADeletionFollowsABufferedUpdate() throws Exception {
    harness.processElement(text("a", "argan oil shampoo"), 0);
    harness.processElement(ItemUpdate.deletion("a", new RawRecord()), 0);
    harness.setProcessingTime(WAIT_MS);

    List<EmbeddedItem> out = harness.extractOutputValues();
    assertEquals(2, out.size());
    assertTrue(!out.get(0).deleted && out.get(0).embedding != null);
    assertTrue(out.get(1).deleted, "the deletion must come after the update it follows");
  }

  @Test
  void shouldPassPrecomputedAndUnchangedItemsThroughWithoutTheModel() throws Exception {
    ItemUpdate precomputed = text("p", null);
    precomputed.embedding = new float[] {1, 2, 3};
    ItemUpdate unchanged = text("u", null);
    unchanged.unchanged = true;
    harness.processElement(precomputed, 0);
    harness.processElement(unchanged, 0);

    List<EmbeddedItem> out = harness.extractOutputValues();
    assertEquals(2, out.size(), "nothing to embed: nothing waits");
    assertArrayEquals(new float[] {1, 2, 3}, out.get(0).embedding);
    assertEquals(null, out.get(1).embedding);
    assertEquals(0, harness.getProcessingTimeService().getNumActiveTimers());
  }
}
