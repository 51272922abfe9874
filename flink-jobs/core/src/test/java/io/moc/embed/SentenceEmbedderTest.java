package io.moc.embed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

// One model for the class: opening it takes about a second.
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SentenceEmbedderTest {

  private static final String LONG_TEXT =
      "a much longer product description that mentions many things, so that the short title next to"
          + " it in the batch is padded with a good number of padding tokens";

  private SentenceEmbedder embedder;

  @BeforeAll
  void openModel() {
    embedder = SentenceEmbedder.openDefault();
  }

  @AfterAll
  void closeModel() {
    embedder.close();
  }

  @Test
  void shouldOpenOnTheCpuAndEmbedAlikeWhenTheGpuCannotBeUsed() {
    // The CPU build of ONNX Runtime has no CUDA provider, as on a TaskManager without a GPU.
    assertEquals(ComputeDevice.CPU, embedder.device());
    try (SentenceEmbedder onGpu =
        SentenceEmbedder.open(
            TextModel.ALL_MINILM_L6_V2_Q,
            SentenceEmbedder.Options.defaults(),
            ComputeDevice.cuda(0))) {
      assertEquals(ComputeDevice.CPU, onGpu.device());
      float[] a = onGpu.embed(List.of("steel hammer"))[0];
      float[] b = embedder.embed(List.of("steel hammer"))[0];
      assertEquals(1.0, cosine(a, b), 1e-6);
    }
  }

  @Test
  void namesTheModelAndItsDimension() {
    assertEquals("all-minilm-l6-v2-q", embedder.modelName());
    assertEquals(384, embedder.dimension());
  }

  @Test
  void embedsEachTextIntoAUnitVectorOf384Dimensions() {
    List<String> texts = List.of("steel hammer", "", LONG_TEXT);

    float[][] vectors = embedder.embed(texts);

    assertEquals(texts.size(), vectors.length);
    for (float[] v : vectors) {
      assertEquals(384, v.length);
      assertEquals(1.0, norm(v), 1e-5);
    }
  }

  @Test
  void returnsAnEmptyArrayForAnEmptyList() {
    assertEquals(0, embedder.embed(List.of()).length);
  }

  @Test
  void givesTheSameVectorsOnRepeatedCalls() {
    List<String> texts = List.of("organic cotton shirt", LONG_TEXT);

    float[][] first = embedder.embed(texts);
    float[][] second = embedder.embed(texts);

    assertArrayEquals(first[0], second[0]);
    assertArrayEquals(first[1], second[1]);
  }

  @Test
  void givesATextBitIdenticalVectorsAloneAndBesideAMuchLongerTextByDefault() {
    assertTrue(embedder.options().batchInvariant(), "the default is batch-invariant");
    float[] alone = embedder.embed(List.of("steel hammer"))[0];
    float[][] after = embedder.embed(List.of(LONG_TEXT, "steel hammer", "wooden spoon"));
    float[][] before = embedder.embed(List.of("steel hammer", LONG_TEXT));

    // No tolerance: a text's vector depends on the text only, not on its batch neighbours.
    assertBitIdentical(alone, after[1]);
    assertBitIdentical(alone, before[0]);
  }

  @Test
  void placesSimilarTitlesCloserThanUnrelatedOnes() {
    float[][] v =
        embedder.embed(
            List.of("moisturizing face cream", "hydrating facial moisturizer", "steel hammer"));

    assertTrue(cosine(v[0], v[1]) > cosine(v[0], v[2]) + 0.3, () -> describe(v));
    assertTrue(cosine(v[1], v[0]) > cosine(v[1], v[2]) + 0.3, () -> describe(v));
  }

  @Test
  void matchesTheReferenceSimilaritiesOfMiniLm() {
    float[][] v =
        embedder.embed(
            List.of("a cat sits on the mat", "a kitten rests on the rug", "stock market crash"));

    assertTrue(cosine(v[0], v[1]) > 0.5, () -> describe(v));
    assertTrue(cosine(v[0], v[2]) < 0.3, () -> describe(v));
    assertTrue(cosine(v[1], v[2]) < 0.3, () -> describe(v));
  }

  @Test
  void shouldEmbedWithE5SmallAsUnitVectorsThatKeepMeaning() {
    try (SentenceEmbedder e5 =
        SentenceEmbedder.open(TextModel.E5_SMALL_V2_Q, SentenceEmbedder.Options.defaults())) {
      assertEquals("e5-small-v2-q", e5.modelName());
      float[][] v =
          e5.embed(
              List.of("moisturizing face cream", "hydrating facial moisturizer", "steel hammer"));
      for (float[] x : v) {
        assertEquals(TextModel.DIMENSION, x.length);
        assertEquals(1.0, Math.sqrt(cosine(x, x)), 1e-4);
      }
      // e5's similarities are compressed into a narrow high band: compare, don't threshold.
      assertTrue(cosine(v[0], v[1]) > cosine(v[0], v[2]) + 0.05, () -> describe(v));
      assertTrue(cosine(v[1], v[0]) > cosine(v[1], v[2]) + 0.05, () -> describe(v));
      float[][] minilm = embedder.embed(List.of("moisturizing face cream"));
      assertTrue(cosine(minilm[0], v[0]) < 0.9, "another model, another space");
    }
  }

  @Test
  void shouldRejectAnUnknownTextModelByName() {
    assertThrows(IllegalArgumentException.class, () -> TextModel.named("bert-huge"));
    assertEquals(TextModel.E5_SMALL_V2_Q, TextModel.named("e5-small-v2-q"));
  }

  @Test
  void truncatesTextsAtMaxTokens() {
    // 300 words: far past 128 tokens, so what follows them is cut off.
    String head = "word ".repeat(300);

    float[][] v = embedder.embed(List.of(head + "steel hammer", head + "face cream"));

    assertArrayEquals(v[0], v[1], 1e-6f);
  }

  @Test
  void honoursASmallerMaxTokens() {
    try (SentenceEmbedder short8 =
        SentenceEmbedder.open(SentenceEmbedder.Options.defaults().withMaxTokens(8))) {
      // [CLS] + 6 words + [SEP] fill 8 tokens; the differing last word is cut off.
      float[][] v =
          short8.embed(
              List.of(
                  "red blue green yellow white black hammer",
                  "red blue green yellow white black cream"));

      assertArrayEquals(v[0], v[1], 1e-6f);
    }
  }

  @Test
  void poolsOnlyRealTokensWhenRunAsOneBatch() {
    try (SentenceEmbedder batched =
        SentenceEmbedder.open(SentenceEmbedder.Options.defaults().withBatchInvariant(false))) {
      float[] alone = batched.embed(List.of("steel hammer"))[0];
      float[][] batch = batched.embed(List.of("steel hammer", LONG_TEXT));

      // One batch really is one run: per-tensor int8 quantization couples its texts, so the short
      // text's vector moves (this is what the default batch-invariant mode avoids) ...
      assertFalse(Arrays.equals(alone, batch[0]), "batched mode ran the texts one by one");
      // ... but only a little (measured cosine 0.99); averaging over the padding tokens as well
      // would drop it to about 0.80.
      double similarity = cosine(alone, batch[0]);
      assertTrue(similarity > 0.97, () -> "cosine " + similarity);
      assertEquals(1.0, norm(batch[0]), 1e-5);
      // Still deterministic for the same batch.
      assertArrayEquals(batch[0], batched.embed(List.of("steel hammer", LONG_TEXT))[0]);
    }
  }

  @Test
  void rejectsNullTextsAndUseAfterClose() {
    assertThrows(NullPointerException.class, () -> embedder.embed(null));
    assertThrows(
        NullPointerException.class, () -> embedder.embed(Arrays.asList("steel hammer", null)));

    SentenceEmbedder closed = SentenceEmbedder.openDefault();
    closed.close();
    closed.close();
    assertThrows(IllegalStateException.class, () -> closed.embed(List.of("steel hammer")));
  }

  @Test
  void rejectsMaxTokensOutsideTheModelsRange() {
    SentenceEmbedder.Options defaults = SentenceEmbedder.Options.defaults();
    assertThrows(IllegalArgumentException.class, () -> defaults.withMaxTokens(1));
    assertThrows(IllegalArgumentException.class, () -> defaults.withMaxTokens(513));
  }

  @Test
  void extractsTheModelOnceAndReplacesADamagedOrDeletedCopy(@TempDir Path cache)
      throws IOException {
    Path file = SentenceEmbedder.extractModel(TextModel.ALL_MINILM_L6_V2_Q, cache);
    long size = Files.size(file);
    assertTrue(size > 20_000_000, "size " + size);
    assertTrue(file.getParent().getFileName().toString().startsWith("all-minilm-l6-v2-q-"));

    FileTime old = FileTime.fromMillis(0);
    Files.setLastModifiedTime(file, old);
    assertEquals(file, SentenceEmbedder.extractModel(TextModel.ALL_MINILM_L6_V2_Q, cache));
    assertEquals(old, Files.getLastModifiedTime(file), "a good copy is reused, not rewritten");

    Files.write(file, new byte[] {1, 2, 3});
    assertEquals(file, SentenceEmbedder.extractModel(TextModel.ALL_MINILM_L6_V2_Q, cache));
    assertEquals(size, Files.size(file));

    Files.delete(file);
    assertEquals(file, SentenceEmbedder.extractModel(TextModel.ALL_MINILM_L6_V2_Q, cache));
    assertEquals(size, Files.size(file));
    try (var entries = Files.list(file.getParent())) {
      assertEquals(List.of(file), entries.toList(), "no partial files left behind");
    }
  }

  @Test
  void opensFromAnEmptyCacheDirectory(@TempDir Path cache) {
    try (SentenceEmbedder fresh =
        SentenceEmbedder.open(SentenceEmbedder.Options.defaults().withCacheDir(cache))) {
      float[] v = fresh.embed(List.of("steel hammer"))[0];
      assertArrayEquals(embedder.embed(List.of("steel hammer"))[0], v);
      assertNotEquals(0.0, norm(v));
    }
  }

  @Test
  void shipsAsASerializedFactoryThatOpensItsOwnInstance() throws Exception {
    TextEmbedderFactory factory =
        SentenceEmbedder.factory(SentenceEmbedder.Options.defaults().withMaxTokens(64));

    TextEmbedderFactory shipped;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(factory);
    }
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      shipped = (TextEmbedderFactory) in.readObject();
    }

    try (TextEmbedder opened = shipped.open()) {
      assertEquals("all-minilm-l6-v2-q", opened.modelName());
      assertArrayEquals(
          embedder.embed(List.of("steel hammer"))[0], opened.embed(List.of("steel hammer"))[0]);
    }
  }

  private static void assertBitIdentical(float[] expected, float[] actual) {
    assertEquals(expected.length, actual.length);
    for (int i = 0; i < expected.length; i++) {
      int index = i;
      assertEquals(
          Float.floatToRawIntBits(expected[i]),
          Float.floatToRawIntBits(actual[i]),
          () -> "component " + index + ": " + expected[index] + " vs " + actual[index]);
    }
  }

  private static double norm(float[] v) {
    return Math.sqrt(dot(v, v));
  }

  private static double cosine(float[] a, float[] b) {
    return dot(a, b) / (norm(a) * norm(b));
  }

  private static double dot(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  private static String describe(float[][] v) {
    return String.format(
        "cos(0,1)=%.3f cos(0,2)=%.3f cos(1,2)=%.3f",
        cosine(v[0], v[1]), cosine(v[0], v[2]), cosine(v[1], v[2]));
  }
}
