package io.moc.ctr.eval;

import io.moc.codebook.Codebook;
import io.moc.codebook.CodebookTrainer;
import io.moc.ctr.data.CtrDataset;
import io.moc.ctr.data.Vocabulary;
import io.moc.embed.EmbeddingCache;
import io.moc.embed.SentenceEmbedder;
import io.moc.embed.TextEmbedder;
import io.moc.embed.TextModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * What the evaluation knows about items beyond their ids: text embeddings (by item index, the
 * unknown index a zero vector) and semantic codes from a codebook trained on training-period items
 * only, so that nothing about test-only items leaks into the codes' training.
 */
public final class ItemFeatures {

  private ItemFeatures() {}

  /** Embeds every item's text with {@code textModel}, cached under {@code cacheDir}. */
  public static float[][] embeddings(
      CtrDataset data, TextModel textModel, Path cacheDir, IntConsumer progress)
      throws IOException {
    int n = data.items().size();
    List<String> texts = new ArrayList<>(n - 1);
    for (int item = 1; item < n; item++) {
      texts.add(data.itemText(item));
    }
    Path cache =
        cacheDir.resolve(
            "ctr-" + data.format().name().toLowerCase() + "-" + textModel.modelName() + ".emb");
    float[][] vectors;
    try (TextEmbedder embedder =
        SentenceEmbedder.open(textModel, SentenceEmbedder.Options.defaults())) {
      vectors = EmbeddingCache.embed(embedder, texts, 64, cache, progress);
    }
    float[][] byIndex = new float[n][];
    byIndex[Vocabulary.UNKNOWN] = new float[TextModel.DIMENSION];
    System.arraycopy(vectors, 0, byIndex, 1, n - 1);
    return byIndex;
  }

  /**
   * Trains a codebook on the embeddings of training-period items and codes every item with it.
   *
   * @return codes by item index, each shifted by one so that 0 stays the unknown index of every
   *     code field (the unknown item gets all zeros)
   */
  public static int[][] codes(CtrDataset data, float[][] embeddings, CodebookTrainer trainer) {
    return coded(data, embeddings, trainer).codes();
  }

  /**
   * An item's codes (shifted by one, as {@link #codes}) and its chosen code vectors concatenated
   * ({@link Codebook#represent}; zeros for the unknown item): all a model reads of the item's text
   * when it reads codes alone.
   */
  public record Coded(int[][] codes, float[][] vectors) {}

  /** As {@link #codes}, with the chosen code vectors of every item. */
  public static Coded coded(CtrDataset data, float[][] embeddings, CodebookTrainer trainer) {
    List<float[]> sample = new ArrayList<>();
    data.trainItems().stream()
        .filter(i -> i != Vocabulary.UNKNOWN)
        .forEach(i -> sample.add(embeddings[i]));
    try (Codebook codebook = trainer.train(SentenceEmbedder.MODEL_NAME, sample)) {
      int[][] codes = new int[embeddings.length][];
      float[][] vectors = new float[embeddings.length][];
      codes[Vocabulary.UNKNOWN] = new int[codebook.numCodebooks()];
      for (int item = 1; item < embeddings.length; item++) {
        int[] c = codebook.assign(embeddings[item]).codes();
        for (int m = 0; m < c.length; m++) {
          c[m]++;
        }
        codes[item] = c;
        vectors[item] = codebook.represent(embeddings[item]);
      }
      vectors[Vocabulary.UNKNOWN] = new float[vectors[embeddings.length > 1 ? 1 : 0].length];
      return new Coded(codes, vectors);
    }
  }
}
