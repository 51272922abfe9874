package io.moc.indexing;

import static io.moc.indexing.TestItems.codebookVersion;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moc.avro.AvroBytes;
import io.moc.common.DeadLetters;
import io.moc.common.RawRecord;
import java.util.function.Consumer;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

class ValidateCodebookFunctionTest {

  private static String rejection(byte[] value) throws Exception {
    try (OneInputStreamOperatorTestHarness<RawRecord, CodebookEntry> harness =
        ProcessFunctionTestHarnesses.forProcessFunction(
            new ValidateCodebookFunction(TestItems.settings()))) {
      harness.processElement(new RawRecord("codebooks", 0, 1, 0, null, value), 0);
      var letters = harness.getSideOutput(DeadLetters.TAG);
      if (letters == null || letters.isEmpty()) {
        assertEquals(1, harness.extractOutputValues().size());
        return null;
      }
      assertTrue(harness.extractOutputValues().isEmpty());
      assertEquals("INVALID_CODEBOOK", letters.peek().getValue().reason);
      return letters.peek().getValue().error;
    }
  }

  private static byte[] version(Consumer<CodebookEntry> change) {
    CodebookEntry entry = codebookVersion(1, 1);
    change.accept(entry);
    return AvroBytes.encode(entry.toAvro());
  }

  @Test
  void shouldAcceptAValidVersion() throws Exception {
    assertEquals(null, rejection(version(e -> {})));
  }

  @Test
  void shouldRejectAChecksumMismatch() throws Exception {
    assertTrue(
        rejection(version(e -> e.artifact[e.artifact.length - 1] ^= 1)).contains("checksum"));
  }

  @Test
  void shouldRejectAVersionForAnotherEmbeddingModel() throws Exception {
    assertTrue(rejection(version(e -> e.embeddingModel = "other")).contains("other"));
  }

  @Test
  void shouldRejectAVersionOfTheWrongDimension() throws Exception {
    assertTrue(rejection(version(e -> e.dimension = 5)).contains("dimension"));
  }

  @Test
  void shouldRejectNaNInTheArtifactEvenWithAMatchingChecksum() throws Exception {
    String error =
        rejection(
            version(
                e -> {
                  int bits = Float.floatToIntBits(Float.NaN);
                  for (int i = 0; i < 4; i++) {
                    e.artifact[e.artifact.length - 4 + i] = (byte) (bits >>> (24 - 8 * i));
                  }
                  e.sha256 = io.moc.codebook.CodebookCodec.sha256(e.artifact);
                }));
    assertTrue(error.contains("NaN"), error);
  }

  @Test
  void shouldRejectBytesThatAreNotACodebookVersion() throws Exception {
    assertTrue(rejection(new byte[] {9, 9, 9}).contains("decode"));
  }
}
