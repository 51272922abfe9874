package io.moc.avro;

import java.time.Instant;

/** Events the schema tests share. */
final class TestEvents {

  private TestEvents() {}

  /** A minimal valid impression: for the tests, a message of another schema than ItemEvent's. */
  static ImpressionEvent impression() {
    return ImpressionEvent.newBuilder()
        .setImpressionId("x")
        .setUserId("u")
        .setItemId("i")
        .setEventTime(Instant.EPOCH)
        .setClicked(true)
        .build();
  }
}
