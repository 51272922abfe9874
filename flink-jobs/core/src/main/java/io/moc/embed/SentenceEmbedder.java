package io.moc.embed;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslateException;
import ai.djl.translate.TranslatorContext;
import io.moc.util.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A sentence-embedding model ({@link TextModel}: all-MiniLM-L6-v2 by default, or e5-small-v2; int8,
 * 384-d) on ONNX Runtime through DJL: BERT tokenizer, mean pooling over the attention mask, L2
 * normalisation, as sentence-transformers does it.
 *
 * <p>The model and tokenizer come from the classpath (the langchain4j model jar), so nothing is
 * downloaded. Each instance owns one ONNX session and one {@link Predictor}; neither is
 * thread-safe, so an instance must not be shared between threads.
 */
public final class SentenceEmbedder implements TextEmbedder {

  /** The default model's name. */
  public static final String MODEL_NAME = TextModel.ALL_MINILM_L6_V2_Q.modelName();

  public static final int DIMENSION = TextModel.DIMENSION;

  private static final Logger LOG = LoggerFactory.getLogger(SentenceEmbedder.class);

  // Named explicitly: with several DJL engines on the class path the default may be another one.
  private static final String ENGINE = "OnnxRuntime";
  private static final String OUTPUT = "last_hidden_state";

  /**
   * How to open the model.
   *
   * @param maxTokens tokens per text, special tokens included; longer texts are truncated (the
   *     model was trained on 128 and accepts at most 512)
   * @param intraOpThreads ONNX Runtime threads within one operator; 0 means its default (all
   *     cores), which oversubscribes the CPU when several embedders run in one JVM and, on short
   *     titles, is no faster than 1
   * @param interOpThreads ONNX Runtime threads across operators; 0 keeps its default
   * @param batchInvariant run the model once per text, so that a vector depends on its text only.
   *     The int8 model quantizes activations with one scale per tensor, taken over the whole batch,
   *     so in a batched run a text's vector also depends on the other texts in the batch (cosine to
   *     the vector of the text alone measured down to 0.988). False runs each {@link #embed} call
   *     as one batch: faster with several intra-op threads, not reproducible.
   * @param cacheDir where the model file is extracted to, in a sub-directory named by its content
   *     hash so that instances and JVMs share one copy (a string, not a Path, so that options can
   *     travel inside a serialized {@link TextEmbedderFactory})
   */
  public record Options(
      int maxTokens,
      int intraOpThreads,
      int interOpThreads,
      boolean batchInvariant,
      String cacheDir)
      implements Serializable {

    private static final long serialVersionUID = 1L;

    public Options {
      if (maxTokens < 2 || maxTokens > 512) {
        throw new IllegalArgumentException("maxTokens must be in [2, 512]: " + maxTokens);
      }
      if (intraOpThreads < 0 || interOpThreads < 0) {
        throw new IllegalArgumentException("thread counts must be >= 0");
      }
      Objects.requireNonNull(cacheDir, "cacheDir");
    }

    /** 128 tokens, one intra-op thread, batch-invariant, cache under java.io.tmpdir. */
    public static Options defaults() {
      return new Options(
          128,
          1,
          0,
          true,
          Path.of(System.getProperty("java.io.tmpdir"), "moc-embed-models").toString());
    }

    public Options withMaxTokens(int value) {
      return new Options(value, intraOpThreads, interOpThreads, batchInvariant, cacheDir);
    }

    public Options withIntraOpThreads(int value) {
      return new Options(maxTokens, value, interOpThreads, batchInvariant, cacheDir);
    }

    public Options withInterOpThreads(int value) {
      return new Options(maxTokens, intraOpThreads, value, batchInvariant, cacheDir);
    }

    public Options withBatchInvariant(boolean value) {
      return new Options(maxTokens, intraOpThreads, interOpThreads, value, cacheDir);
    }

    public Options withCacheDir(Path value) {
      return new Options(
          maxTokens, intraOpThreads, interOpThreads, batchInvariant, value.toString());
    }
  }

  private final TextModel textModel;
  private final HuggingFaceTokenizer tokenizer;
  private final ZooModel<String[], float[][]> model;
  private final Predictor<String[], float[][]> predictor;
  private final Options options;
  private final ComputeDevice device;
  private boolean closed;

  private SentenceEmbedder(
      TextModel textModel,
      HuggingFaceTokenizer tokenizer,
      ZooModel<String[], float[][]> model,
      Predictor<String[], float[][]> predictor,
      Options options,
      ComputeDevice device) {
    this.device = device;
    this.textModel = textModel;
    this.tokenizer = tokenizer;
    this.model = model;
    this.predictor = predictor;
    this.options = options;
  }

  /** Opens a new instance with {@link Options#defaults()}. */
  public static SentenceEmbedder openDefault() {
    return open(Options.defaults());
  }

  /**
   * A serializable factory that opens a new instance with {@code options} each time it is called,
   * for a job to ship to its parallel instances.
   */
  public static TextEmbedderFactory factory(Options options) {
    return factory(TextModel.ALL_MINILM_L6_V2_Q, options);
  }

  /** As {@link #factory(Options)}, for another model. */
  public static TextEmbedderFactory factory(TextModel textModel, Options options) {
    Objects.requireNonNull(textModel, "textModel");
    Objects.requireNonNull(options, "options");
    return new TextEmbedderFactory() {
      private static final long serialVersionUID = 1L;

      @Override
      public TextEmbedder open() {
        return open(ComputeDevice.CPU);
      }

      @Override
      public TextEmbedder open(ComputeDevice device) {
        return SentenceEmbedder.open(textModel, options, device);
      }
    };
  }

  /** Opens a new instance of the default model; the caller owns it and must close it. */
  public static SentenceEmbedder open(Options options) {
    return open(TextModel.ALL_MINILM_L6_V2_Q, options);
  }

  /** Opens a new instance of {@code textModel}; the caller owns it and must close it. */
  public static SentenceEmbedder open(TextModel textModel, Options options) {
    return open(textModel, options, ComputeDevice.CPU);
  }

  /**
   * Opens a new instance of {@code textModel} on {@code device}: a GPU through ONNX Runtime's CUDA
   * execution provider, which only the {@code onnxruntime_gpu} build has. Where the GPU cannot be
   * used (CPU build, no driver, no such device) it opens on the CPU and says why in the log, so
   * that a TaskManager without a working GPU still embeds; {@link #device()} tells which it is.
   */
  public static SentenceEmbedder open(TextModel textModel, Options options, ComputeDevice device) {
    Objects.requireNonNull(textModel, "textModel");
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(device, "device");
    HuggingFaceTokenizer tokenizer = null;
    ZooModel<String[], float[][]> model = null;
    try {
      tokenizer = openTokenizer(textModel, options.maxTokens());
      ComputeDevice used = device;
      if (device.isGpu()) {
        try {
          model = loadModel(textModel, options, tokenizer, device);
        } catch (IOException
            | ModelNotFoundException
            | MalformedModelException
            | RuntimeException e) {
          LOG.warn(
              "Cannot run {} on {} ({}); embedding on the CPU",
              textModel.modelName(),
              device,
              e.toString());
          used = ComputeDevice.CPU;
        }
      }
      if (model == null) {
        model = loadModel(textModel, options, tokenizer, ComputeDevice.CPU);
      }
      return new SentenceEmbedder(textModel, tokenizer, model, model.newPredictor(), options, used);
    } catch (IOException | ModelNotFoundException | MalformedModelException | RuntimeException e) {
      if (model != null) {
        model.close();
      }
      if (tokenizer != null) {
        tokenizer.close();
      }
      throw new EmbeddingException("cannot open " + textModel.modelName(), e);
    }
  }

  @Override
  public ComputeDevice device() {
    return device;
  }

  /** The options this instance was opened with. */
  public Options options() {
    return options;
  }

  @Override
  public String modelName() {
    return textModel.modelName();
  }

  @Override
  public int dimension() {
    return DIMENSION;
  }

  @Override
  public float[][] embed(List<String> texts) {
    Objects.requireNonNull(texts, "texts");
    if (closed) {
      throw new IllegalStateException("embedder is closed");
    }
    if (texts.isEmpty()) {
      return new float[0][];
    }
    String[] batch = texts.toArray(new String[0]);
    for (int i = 0; i < batch.length; i++) {
      Objects.requireNonNull(batch[i], () -> "texts contains null");
      batch[i] = textModel.prefix() + batch[i];
    }
    try {
      if (!options.batchInvariant()) {
        return predictor.predict(batch);
      }
      float[][] vectors = new float[batch.length][];
      for (int i = 0; i < batch.length; i++) {
        vectors[i] = predictor.predict(new String[] {batch[i]})[0];
      }
      return vectors;
    } catch (TranslateException e) {
      throw new EmbeddingException("embedding a batch of " + batch.length + " failed", e);
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      predictor.close();
    } finally {
      try {
        model.close();
      } finally {
        tokenizer.close();
      }
    }
  }

  private static HuggingFaceTokenizer openTokenizer(TextModel textModel, int maxTokens)
      throws IOException {
    // The tokenizer.json pads every text to a fixed 128; padding to the longest text in the batch
    // instead saves most of the compute on short titles.
    Map<String, String> tokenizerOptions =
        Map.of(
            "padding", "true",
            "truncation", "true",
            "maxLength", Integer.toString(maxTokens),
            "modelMaxLength", "512");
    try (InputStream in = resource(textModel.tokenizerResource())) {
      return HuggingFaceTokenizer.newInstance(in, tokenizerOptions);
    }
  }

  private static ZooModel<String[], float[][]> loadModel(
      TextModel textModel, Options options, HuggingFaceTokenizer tokenizer, ComputeDevice device)
      throws IOException, ModelNotFoundException, MalformedModelException {
    Path file = extractModel(textModel, Path.of(options.cacheDir()));
    try {
      return criteria(textModel, file, options, tokenizer, device).loadModel();
    } catch (IOException | ModelNotFoundException | MalformedModelException e) {
      if (Files.exists(file)) {
        throw e;
      }
      // A tmp cleaner removed the shared copy between extraction and loading: extract it again.
      file = extractModel(textModel, Path.of(options.cacheDir()));
      return criteria(textModel, file, options, tokenizer, device).loadModel();
    }
  }

  private static Criteria<String[], float[][]> criteria(
      TextModel textModel,
      Path modelFile,
      Options options,
      HuggingFaceTokenizer tokenizer,
      ComputeDevice device) {
    Criteria.Builder<String[], float[][]> builder =
        Criteria.builder()
            .setTypes(String[].class, float[][].class)
            .optEngine(ENGINE)
            .optDevice(device.isGpu() ? Device.gpu(device.cudaIndex()) : Device.cpu())
            .optModelPath(modelFile)
            .optModelName(textModel.modelName())
            .optTranslator(new PoolingTranslator(tokenizer));
    if (options.intraOpThreads() > 0) {
      builder.optOption("intraOpNumThreads", Integer.toString(options.intraOpThreads()));
    }
    if (options.interOpThreads() > 0) {
      builder.optOption("interOpNumThreads", Integer.toString(options.interOpThreads()));
    }
    return builder.build();
  }

  /**
   * Copies the model out of its jar (ONNX Runtime loads from a file or a byte array, and a file
   * lets every instance share one copy) into {@code cacheDir/<name>-<sha256 prefix>/}. An existing
   * copy is reused only when its content hash matches, so a truncated or foreign file is replaced.
   */
  static Path extractModel(TextModel textModel, Path cacheDir) throws IOException {
    String name = textModel.modelName();
    byte[] bytes;
    try (InputStream in = resource(textModel.onnxResource())) {
      bytes = in.readAllBytes();
    }
    String hash = Sha256.hex(bytes);
    Path dir = cacheDir.resolve(name + "-" + hash.substring(0, 16));
    Path file = dir.resolve(name + ".onnx");
    try {
      if (Files.size(file) == bytes.length && Sha256.hex(Files.readAllBytes(file)).equals(hash)) {
        return file;
      }
    } catch (NoSuchFileException absent) {
      // extract below
    }
    Files.createDirectories(dir);
    // Write then rename, so that a concurrent reader never sees a partial file.
    Path part = Files.createTempFile(dir, name, ".part");
    try {
      Files.write(part, bytes);
      Files.move(part, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(part);
    }
    return file;
  }

  private static InputStream resource(String name) throws IOException {
    ClassLoader loader = SentenceEmbedder.class.getClassLoader();
    InputStream in = loader.getResourceAsStream(name);
    if (in == null) {
      throw new IOException(
          name
              + " is not on the class path (the model's dev.langchain4j:langchain4j-embeddings-*"
              + " jar)");
    }
    return in;
  }

  /**
   * Tokenizes a batch, runs the encoder and pools in plain Java: the ONNX Runtime NDArray supports
   * few operations, and pooling in DJL would pull in another engine.
   */
  private static final class PoolingTranslator
      implements NoBatchifyTranslator<String[], float[][]> {

    private static final String MASK = "attentionMask";
    private static final String LENGTH = "sequenceLength";

    private final HuggingFaceTokenizer tokenizer;

    PoolingTranslator(HuggingFaceTokenizer tokenizer) {
      this.tokenizer = tokenizer;
    }

    @Override
    public NDList processInput(TranslatorContext ctx, String[] texts) {
      Encoding[] encodings = tokenizer.batchEncode(texts);
      int batch = encodings.length;
      // The tokenizer pads to the longest text already; taking the maximum keeps this correct
      // should it ever not.
      int length = 0;
      for (Encoding e : encodings) {
        length = Math.max(length, e.getIds().length);
      }
      long[] ids = new long[batch * length];
      long[] mask = new long[batch * length];
      long[] types = new long[batch * length];
      for (int b = 0; b < batch; b++) {
        long[] eIds = encodings[b].getIds();
        System.arraycopy(eIds, 0, ids, b * length, eIds.length);
        System.arraycopy(encodings[b].getAttentionMask(), 0, mask, b * length, eIds.length);
        System.arraycopy(encodings[b].getTypeIds(), 0, types, b * length, eIds.length);
      }
      ctx.setAttachment(MASK, mask);
      ctx.setAttachment(LENGTH, length);

      NDManager manager = ctx.getNDManager();
      Shape shape = new Shape(batch, length);
      // Named so that ONNX Runtime binds them by input name, not by declaration order.
      return new NDList(
          named(manager.create(ids, shape), "input_ids"),
          named(manager.create(mask, shape), "attention_mask"),
          named(manager.create(types, shape), "token_type_ids"));
    }

    @Override
    public float[][] processOutput(TranslatorContext ctx, NDList output) {
      NDArray hiddenArray = output.get(OUTPUT);
      if (hiddenArray == null) {
        hiddenArray = output.head();
      }
      long[] mask = (long[]) ctx.getAttachment(MASK);
      int length = (Integer) ctx.getAttachment(LENGTH);
      int batch = mask.length / length;
      Shape expected = new Shape(batch, length, DIMENSION);
      if (!hiddenArray.getShape().equals(expected)) {
        throw new IllegalStateException(
            "model output " + hiddenArray.getShape() + ", expected " + expected);
      }
      return meanPoolAndNormalise(hiddenArray.toFloatArray(), mask, batch, length, DIMENSION);
    }

    private static NDArray named(NDArray array, String name) {
      array.setName(name);
      return array;
    }
  }

  /**
   * Mean of the token vectors where the mask is 1, then scaled to unit length.
   *
   * @param hidden row-major {@code [batch, length, dim]}
   * @param mask row-major {@code [batch, length]}
   */
  static float[][] meanPoolAndNormalise(
      float[] hidden, long[] mask, int batch, int length, int dim) {
    float[][] result = new float[batch][];
    double[] sum = new double[dim];
    for (int b = 0; b < batch; b++) {
      Arrays.fill(sum, 0.0);
      int tokens = 0;
      for (int t = 0; t < length; t++) {
        if (mask[b * length + t] == 0) {
          continue;
        }
        tokens++;
        int offset = (b * length + t) * dim;
        for (int d = 0; d < dim; d++) {
          sum[d] += hidden[offset + d];
        }
      }
      double norm = 0.0;
      for (int d = 0; d < dim; d++) {
        sum[d] /= Math.max(tokens, 1);
        norm += sum[d] * sum[d];
      }
      // As torch.nn.functional.normalize: an all-zero vector stays zero instead of becoming NaN.
      double scale = 1.0 / Math.max(Math.sqrt(norm), 1e-12);
      float[] vector = new float[dim];
      for (int d = 0; d < dim; d++) {
        vector[d] = (float) (sum[d] * scale);
      }
      result[b] = vector;
    }
    return result;
  }
}
