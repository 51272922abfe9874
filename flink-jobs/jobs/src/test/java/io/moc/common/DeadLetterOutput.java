package io.moc.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;

/** What an operator under a test harness has sent to the dead-letter side output. */
public final class DeadLetterOutput {

  private DeadLetterOutput() {}

  /** The dead letters emitted so far, in order; empty when there were none. */
  public static List<DeadLetterRecord> of(AbstractStreamOperatorTestHarness<?> harness) {
    List<DeadLetterRecord> out = new ArrayList<>();
    ConcurrentLinkedQueue<StreamRecord<DeadLetterRecord>> queue =
        harness.getSideOutput(DeadLetters.TAG);
    if (queue != null) {
      for (StreamRecord<DeadLetterRecord> r : queue) {
        out.add(r.getValue());
      }
    }
    return out;
  }

  /** The one dead letter a rejected record became, once nothing went on to the main output. */
  public static DeadLetterRecord only(AbstractStreamOperatorTestHarness<?> harness) {
    assertTrue(harness.extractOutputValues().isEmpty(), "a rejected record must not go on");
    List<DeadLetterRecord> letters = of(harness);
    assertEquals(1, letters.size(), "dead letters " + letters);
    return letters.get(0);
  }
}
