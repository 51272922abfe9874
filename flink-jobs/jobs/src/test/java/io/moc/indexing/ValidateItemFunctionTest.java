package io.moc.indexing;

import static io.moc.indexing.TestItems.item;
import static io.moc.indexing.TestItems.raw;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moc.avro.HostileMessages;
import io.moc.avro.ItemEvent;
import io.moc.common.DeadLetterOutput;
import io.moc.common.DeadLetterRecord;
import io.moc.common.RawRecord;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ValidateItemFunctionTest {

  private OneInputStreamOperatorTestHarness<RawRecord, ItemUpdate> harness;

  @BeforeEach
  void open() throws Exception {
    harness =
        ProcessFunctionTestHarnesses.forProcessFunction(
            new ValidateItemFunction(TestItems.settings()));
  }

  @AfterEach
  void close() throws Exception {
    harness.close();
  }

  private static List<Float> floats(int n, float value) {
    return new ArrayList<>(Collections.nCopies(n, value));
  }

  @Test
  void shouldPassAValidItemWithItsTextAndAppendTime() throws Exception {
    harness.processElement(raw(item("i1", "Rose face serum").setBrand("Acme").build(), 3), 0);
    List<ItemUpdate> out = harness.extractOutputValues();
    assertEquals(1, out.size());
    ItemUpdate u = out.get(0);
    assertEquals("i1", u.itemId);
    assertTrue(u.text.contains("Rose face serum") && u.text.contains("Acme"));
    assertEquals(1000, u.eventTime);
    assertEquals(5003, u.appendTime);
    assertNotNull(u.fingerprint);
    assertTrue(u.needsEmbedding());
    assertTrue(DeadLetterOutput.of(harness).isEmpty());
  }

  @Test
  void shouldDeadLetterBytesThatAreNotAnItemEvent() throws Exception {
    harness.processElement(raw("k", new byte[] {1, 2, 3, 4, 5}, 9), 0);
    DeadLetterRecord d = DeadLetterOutput.only(harness);
    assertEquals("UNDECODABLE", d.reason);
    assertEquals(9, d.offset);
    assertArrayEquals(new byte[] {1, 2, 3, 4, 5}, d.value);
  }

  @Test
  void shouldDeadLetterAnAllocationBombInsteadOfRunningOutOfMemory() throws Exception {
    // A valid ItemEvent header, item_id "x", three absent optionals, then categories claiming
    // 2·10⁹ strings: 17 bytes that made Avro allocate an array of that size.
    harness.processElement(raw("x", HostileMessages.allocationBomb("x"), 4), 0);
    DeadLetterRecord d = DeadLetterOutput.only(harness);
    assertEquals("UNDECODABLE", d.reason);
    assertTrue(d.error.contains("items"), d.error);
  }

  @Test
  void shouldDeadLetterAnItemWithoutId() throws Exception {
    harness.processElement(raw(null, io.moc.avro.AvroBytes.encode(item("", "t").build()), 1), 0);
    assertEquals("MISSING_ID", DeadLetterOutput.only(harness).reason);
  }

  @Test
  void shouldDeadLetterAKeyThatIsNotTheItemId() throws Exception {
    harness.processElement(
        raw("other", io.moc.avro.AvroBytes.encode(item("i1", "t").build()), 1), 0);
    assertEquals("KEY_MISMATCH", DeadLetterOutput.only(harness).reason);
  }

  @Test
  void shouldDeadLetterAnItemWithoutKey() throws Exception {
    harness.processElement(raw(null, io.moc.avro.AvroBytes.encode(item("i1", "t").build()), 1), 0);
    assertEquals("MISSING_KEY", DeadLetterOutput.only(harness).reason);
  }

  @Test
  void shouldDeadLetterAnEmbeddingTooLargeForCodebookArithmetic() throws Exception {
    ItemEvent e =
        item("i1", "t")
            .setEmbedding(floats(TestItems.DIM, 3e38f))
            .setEmbeddingModel(TestItems.MODEL)
            .build();
    harness.processElement(raw(e, 1), 0);
    assertEquals("BAD_EMBEDDING_NORM", DeadLetterOutput.only(harness).reason);
  }

  @Test
  void shouldDeadLetterAnAllZeroEmbedding() throws Exception {
    ItemEvent e =
        item("i1", "t")
            .setEmbedding(floats(TestItems.DIM, 0f))
            .setEmbeddingModel(TestItems.MODEL)
            .build();
    harness.processElement(raw(e, 1), 0);
    assertEquals("BAD_EMBEDDING_NORM", DeadLetterOutput.only(harness).reason);
  }

  @Test
  void shouldDeadLetterAnItemWithNeitherTextNorEmbedding() throws Exception {
    harness.processElement(raw(item("i1", null).build(), 1), 0);
    assertEquals("NO_TEXT_OR_EMBEDDING", DeadLetterOutput.only(harness).reason);
  }

  @Test
  void shouldDeadLetterAnEmbeddingOfTheWrongDimension() throws Exception {
    ItemEvent e =
        item("i1", "t")
            .setEmbedding(floats(TestItems.DIM + 1, 0.1f))
            .setEmbeddingModel(TestItems.MODEL)
            .build();
    harness.processElement(raw(e, 1), 0);
    DeadLetterRecord d = DeadLetterOutput.only(harness);
    assertEquals("BAD_EMBEDDING_DIMENSION", d.reason);
    assertTrue(d.error.contains(String.valueOf(TestItems.DIM + 1)));
  }

  @Test
  void shouldDeadLetterAnEmbeddingWithNaN() throws Exception {
    List<Float> values = floats(TestItems.DIM, 0.1f);
    values.set(3, Float.NaN);
    ItemEvent e = item("i1", "t").setEmbedding(values).setEmbeddingModel(TestItems.MODEL).build();
    harness.processElement(raw(e, 1), 0);
    assertEquals("NON_FINITE_EMBEDDING", DeadLetterOutput.only(harness).reason);
  }

  @Test
  void shouldUseAPrecomputedEmbeddingOfTheConfiguredModelAsIs() throws Exception {
    ItemEvent e =
        item("i1", null)
            .setEmbedding(floats(TestItems.DIM, 0.5f))
            .setEmbeddingModel(TestItems.MODEL)
            .build();
    harness.processElement(raw(e, 1), 0);
    ItemUpdate u = harness.extractOutputValues().get(0);
    assertEquals(0.5f, u.embedding[7]);
    assertNull(u.text);
    assertTrue(!u.needsEmbedding());
    assertNull(u.source, "nothing downstream can fail on it: no copy of the record travels");
    assertNull(u.fingerprint);
  }

  @Test
  void shouldCarryThePrecomputedItemsTextOnWhenEmbeddingsAreDropped() throws Exception {
    harness.close();
    harness =
        ProcessFunctionTestHarnesses.forProcessFunction(
            new ValidateItemFunction(
                TestItems.builder(TestItems.lifecycle(), "projected-kmeans")
                    .holdEmbeddings(false)
                    .build()));
    ItemEvent withText =
        item("i1", "Rose face serum")
            .setEmbedding(floats(TestItems.DIM, 0.5f))
            .setEmbeddingModel(TestItems.MODEL)
            .build();
    ItemEvent withoutText =
        item("i2", null)
            .setEmbedding(floats(TestItems.DIM, 0.5f))
            .setEmbeddingModel(TestItems.MODEL)
            .build();
    harness.processElement(raw(withText, 1), 0);
    harness.processElement(raw(withoutText, 2), 0);

    List<ItemUpdate> out = harness.extractOutputValues();
    assertEquals(2, out.size(), "an embedding without text is still an item");
    assertTrue(out.get(0).text.contains("Rose face serum"), out.get(0).text);
    assertTrue(!out.get(0).needsEmbedding(), "the precomputed embedding is used");
    assertNull(out.get(1).text);
    assertTrue(DeadLetterOutput.of(harness).isEmpty());
  }

  @Test
  void shouldEmbedTheTextWhenTheEmbeddingIsFromAnotherModel() throws Exception {
    ItemEvent e =
        item("i1", "Lip balm")
            .setEmbedding(floats(768, 0.5f))
            .setEmbeddingModel("bert-large")
            .build();
    harness.processElement(raw(e, 1), 0);
    ItemUpdate u = harness.extractOutputValues().get(0);
    assertNull(u.embedding);
    assertTrue(u.needsEmbedding());
  }

  @Test
  void shouldTurnATombstoneIntoADeletion() throws Exception {
    harness.processElement(raw("i1", null, 4), 0);
    ItemUpdate u = harness.extractOutputValues().get(0);
    assertEquals("i1", u.itemId);
    assertTrue(u.deleted);
    assertTrue(DeadLetterOutput.of(harness).isEmpty());
  }

  @Test
  void shouldDeadLetterATombstoneWithoutKey() throws Exception {
    harness.processElement(raw(null, null, 4), 0);
    assertEquals("MISSING_ID", DeadLetterOutput.only(harness).reason);
  }
}
