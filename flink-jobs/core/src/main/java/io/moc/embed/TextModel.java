package io.moc.embed;

import java.util.Arrays;
import java.util.List;

/**
 * The sentence-embedding models {@link SentenceEmbedder} runs: int8 ONNX exports of BERT-style
 * encoders, mean-pooled and L2-normalised, each shipped in its own langchain4j model jar (the
 * {@code .onnx} file and its {@code tokenizer.json}).
 */
public enum TextModel {
  /** all-MiniLM-L6-v2: 6 layers, 384-d; the default. */
  ALL_MINILM_L6_V2_Q("all-minilm-l6-v2-q", ""),
  /**
   * e5-small-v2: 12 layers, 384-d, trained with a "passage: " prefix on the texts to be retrieved
   * (an item is what is retrieved).
   */
  E5_SMALL_V2_Q("e5-small-v2-q", "passage: ");

  public static final int DIMENSION = 384;

  /** Every model's name, as {@code moc.embedding.model} takes it. */
  public static final List<String> NAMES =
      Arrays.stream(values()).map(TextModel::modelName).toList();

  private final String modelName;
  private final String prefix;

  TextModel(String modelName, String prefix) {
    this.modelName = modelName;
    this.prefix = prefix;
  }

  /** The name codebooks and configurations record, e.g. {@code all-minilm-l6-v2-q}. */
  public String modelName() {
    return modelName;
  }

  /** What the model expects before each text. */
  public String prefix() {
    return prefix;
  }

  String onnxResource() {
    return modelName + ".onnx";
  }

  String tokenizerResource() {
    return modelName + "-tokenizer.json";
  }

  /**
   * @throws IllegalArgumentException for a name no model has
   */
  public static TextModel named(String modelName) {
    return Arrays.stream(values())
        .filter(m -> m.modelName.equals(modelName))
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "unknown text model " + modelName + "; known: " + NAMES));
  }
}
