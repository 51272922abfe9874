package io.moc.indexing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moc.common.RawRecord;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SkipUnchangedTextFunctionTest {

  private KeyedOneInputStreamOperatorTestHarness<String, ItemUpdate, ItemUpdate> harness;

  @BeforeEach
  void open() throws Exception {
    harness =
        ProcessFunctionTestHarnesses.forKeyedProcessFunction(
            new SkipUnchangedTextFunction(), u -> u.itemId, Types.STRING);
    harness.open();
  }

  @AfterEach
  void close() throws Exception {
    harness.close();
  }

  private static ItemUpdate update(String id, String text) {
    ItemUpdate u = new ItemUpdate();
    u.itemId = id;
    u.text = text;
    u.fingerprint = io.moc.embed.ItemText.fingerprint(text);
    return u;
  }

  @Test
  void shouldMarkAnUpdateWithTheSameTextUnchanged() throws Exception {
    harness.processElement(update("a", "Rose serum"), 0);
    harness.processElement(update("a", "Rose serum"), 0);
    harness.processElement(update("a", "Rose serum 50ml"), 0);

    List<ItemUpdate> out = harness.extractOutputValues();
    assertEquals(3, out.size(), "unchanged updates still go on, to re-emit their codes");
    assertTrue(out.get(0).needsEmbedding());
    assertTrue(out.get(1).unchanged);
    assertFalse(out.get(1).needsEmbedding());
    assertNull(out.get(1).text);
    assertTrue(out.get(2).needsEmbedding());
  }

  @Test
  void shouldNotConfuseDifferentItemsWithTheSameText() throws Exception {
    harness.processElement(update("a", "Rose serum"), 0);
    harness.processElement(update("b", "Rose serum"), 0);
    assertTrue(harness.extractOutputValues().stream().allMatch(ItemUpdate::needsEmbedding));
  }

  @Test
  void shouldClearStateOnDeletionSoTheItemIsEmbeddedAgainLater() throws Exception {
    harness.processElement(update("a", "Rose serum"), 0);
    assertEquals(1, harness.numKeyedStateEntries());

    harness.processElement(ItemUpdate.deletion("a", new RawRecord()), 0);
    assertEquals(0, harness.numKeyedStateEntries());
    assertEquals(0, harness.numProcessingTimeTimers());
    assertEquals(0, harness.numEventTimeTimers());

    harness.processElement(update("a", "Rose serum"), 0);
    List<ItemUpdate> out = harness.extractOutputValues();
    assertTrue(out.get(1).deleted);
    assertTrue(out.get(2).needsEmbedding(), "a re-created item is embedded again");
  }
}
