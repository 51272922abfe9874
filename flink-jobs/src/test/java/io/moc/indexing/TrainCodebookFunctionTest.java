package io.moc.indexing;

import static io.moc.indexing.TestItems.vector;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moc.codebook.CodebookCodec;
import java.util.List;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.co.CoProcessOperator;
import org.apache.flink.streaming.util.TwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TrainCodebookFunctionTest {

  // TestItems.settings(): train after 10 items, reservoir of 100, M = 2, K = 4.
  private TwoInputStreamOperatorTestHarness<EmbeddedItem, CodebookEntry, CodebookEntry> harness;

  private static TwoInputStreamOperatorTestHarness<EmbeddedItem, CodebookEntry, CodebookEntry> open(
      PublishedVersions onTopic, OperatorSubtaskState restoreFrom) throws Exception {
    var harness =
        new TwoInputStreamOperatorTestHarness<>(
            new CoProcessOperator<>(new TrainCodebookFunction(TestItems.settings(), onTopic)));
    harness.setup();
    if (restoreFrom == null) {
      harness.initializeEmptyState();
    } else {
      harness.initializeState(restoreFrom);
    }
    harness.open();
    return harness;
  }

  @AfterEach
  void close() throws Exception {
    harness.close();
  }

  private void feed(int from, int to) throws Exception {
    for (int i = from; i < to; i++) {
      harness.processElement1(TestItems.embedded("item-" + i, vector(i), i), 0);
    }
  }

  @Test
  void shouldPublishVersionOneOnceEnoughItemsAreEmbedded() throws Exception {
    harness = open(() -> -1, null);
    feed(0, 9);
    assertTrue(harness.extractOutputValues().isEmpty());
    feed(9, 30);

    List<CodebookEntry> out = harness.extractOutputValues();
    assertEquals(1, out.size(), "one first version, however many items follow");
    CodebookEntry v1 = out.get(0);
    assertEquals(1, v1.version);
    assertEquals(10, v1.trainedOn);
    assertEquals(CodebookCodec.sha256(v1.artifact), v1.sha256);
    assertEquals(TestItems.DIM, CodebookCodec.deserialize(v1.method, v1.artifact).dimension());
    assertTrue(v1.metrics().containsKey("collision_rate"));
  }

  @Test
  void shouldNotTrainWhenTheTopicAlreadyHoldsAVersion() throws Exception {
    harness = open(() -> 3, null);
    feed(0, 30);
    assertTrue(harness.extractOutputValues().isEmpty(), "version numbers are never reused");
  }

  @Test
  void shouldNotTrainAfterAVersionArrivesOnTheStream() throws Exception {
    harness = open(() -> -1, null);
    harness.processElement2(TestItems.codebookVersion(5, 5), 0);
    feed(0, 30);
    assertTrue(harness.extractOutputValues().isEmpty());
  }

  @Test
  void shouldResumeItsSampleAfterARestoreAndNeverPublishTwice() throws Exception {
    harness = open(() -> -1, null);
    feed(0, 6);
    OperatorSubtaskState halfway = harness.snapshot(1, 1);
    harness.close();

    // Restored: the topic is not asked again, and the count goes on from 6.
    harness =
        open(
            () -> {
              throw new AssertionError("a restored trainer must not ask the topic");
            },
            halfway);
    feed(6, 10);
    assertEquals(1, harness.extractOutputValues().size());
    assertEquals(10, harness.extractOutputValues().get(0).trainedOn);
    OperatorSubtaskState published = harness.snapshot(2, 2);
    harness.close();

    harness = open(() -> -1, published);
    feed(10, 40);
    assertTrue(harness.extractOutputValues().isEmpty(), "version 1 is published once");
  }

  @Test
  void shouldSurviveAFailedTrainingAndTryAgainLater() throws Exception {
    harness = open(() -> -1, null);
    // Embeddings of mixed dimensions make training fail.
    harness.processElement1(TestItems.embedded("odd", new float[3], 0), 0);
    feed(0, 9);
    assertTrue(harness.extractOutputValues().isEmpty());
  }
}
