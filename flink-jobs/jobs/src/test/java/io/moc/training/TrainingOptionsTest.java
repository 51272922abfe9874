package io.moc.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

class TrainingOptionsTest {

  @Test
  void shouldReadTheDefaults() {
    TrainingSettings s = TrainingOptions.read(new Configuration());
    assertEquals("moc-training", s.groupId());
    assertEquals(100, s.maxPendingPerItem());
    assertEquals(60_000, s.joinTimeoutMillis());
    assertEquals("impressions", s.impressionsTopic());
    assertEquals("item-codes", s.itemCodesTopic());
    assertEquals("dead-letters", s.deadLettersTopic());
  }

  @Test
  void shouldReadTheJoinOptionsFromTheirKeys() {
    Configuration c = new Configuration();
    c.setString("moc.training.join.max-pending-per-item", "7");
    c.setString("moc.training.join.timeout", "90 s");
    c.setString("moc.topics.impressions", "shown");
    TrainingSettings s = TrainingOptions.read(c);
    assertEquals(7, s.maxPendingPerItem());
    assertEquals(90_000, s.joinTimeoutMillis());
    assertEquals("shown", s.impressionsTopic());
  }

  @Test
  void shouldAcceptOnlyTheItemRepresentationsTheOnlineModelCanRead() {
    for (String accepted : new String[] {"CODES", "CODE_VECTORS", "CODES_AND_CODE_VECTORS"}) {
      Configuration c = new Configuration();
      c.setString("moc.training.item-representation", accepted);
      assertEquals(accepted, TrainingOptions.read(c).model().itemRepresentation().name());
    }
    Configuration c = new Configuration();
    c.setString("moc.training.item-representation", "ADAPTER");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> TrainingOptions.read(c));
    assertTrue(e.getMessage().contains("CODES_AND_CODE_VECTORS"), e.getMessage());
  }
}
