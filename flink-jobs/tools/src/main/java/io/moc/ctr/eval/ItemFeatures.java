package io.moc.ctr.eval;

import io.moc.codebook.Codebook;
import io.moc.codebook.CodebookTrainer;
import io.moc.codebook.vq.VqVaeTrainer;
import io.moc.ctr.data.CtrDataset;
import io.moc.ctr.data.Examples;
import io.moc.ctr.data.Vocabulary;
import io.moc.embed.EmbeddingCache;
import io.moc.embed.SentenceEmbedder;
import io.moc.embed.TextEmbedder;
import io.moc.embed.TextModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
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
    return coded(data, embeddings, trainer::train);
  }

  /**
   * As {@link #coded(CtrDataset, float[][], CodebookTrainer)}, with a VQ-VAE codebook that also
   * learns from the training period's co-clicks ({@link #coClicks}).
   */
  public static Coded coClickCoded(CtrDataset data, float[][] embeddings, VqVaeTrainer trainer) {
    int[] sampleIndex = new int[embeddings.length];
    Arrays.fill(sampleIndex, -1);
    int next = 0;
    for (int item : trainItems(data)) {
      sampleIndex[item] = next++;
    }
    List<int[]> pairs = new ArrayList<>();
    for (int[] pair : coClicks(data)) {
      pairs.add(new int[] {sampleIndex[pair[0]], sampleIndex[pair[1]]});
    }
    int[][] coClicks = pairs.toArray(int[][]::new);
    return coded(
        data, embeddings, (model, sample) -> trainer.fit(model, sample, coClicks).codebook());
  }

  /**
   * Pairs of item indices that one user clicked one after the other in the training period
   * (distinct items, in the order clicked; a pair repeats as often as it happened).
   */
  static int[][] coClicks(CtrDataset data) {
    Examples train = data.train();
    Map<Integer, Integer> lastClicked = new HashMap<>();
    List<int[]> pairs = new ArrayList<>();
    for (int e = 0; e < train.size(); e++) {
      if (train.label(e) <= 0) {
        continue;
      }
      int item = train.item(e);
      Integer previous = lastClicked.put(train.user(e), item);
      if (previous != null && previous != item) {
        pairs.add(new int[] {previous, item});
      }
    }
    return pairs.toArray(int[][]::new);
  }

  /** The training-period items a codebook trains on, in index order. */
  private static int[] trainItems(CtrDataset data) {
    return data.trainItems().stream().filter(i -> i != Vocabulary.UNKNOWN).toArray();
  }

  private static Coded coded(
      CtrDataset data,
      float[][] embeddings,
      BiFunction<String, List<float[]>, ? extends Codebook> train) {
    List<float[]> sample = new ArrayList<>();
    for (int item : trainItems(data)) {
      sample.add(embeddings[item]);
    }
    try (Codebook codebook = train.apply(SentenceEmbedder.MODEL_NAME, sample)) {
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
