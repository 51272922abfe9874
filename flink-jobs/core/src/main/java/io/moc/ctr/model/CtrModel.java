package io.moc.ctr.model;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import ai.djl.training.loss.Loss;
import ai.djl.util.Pair;
import io.moc.codebook.Codebook;
import io.moc.ctr.model.CtrModelConfig.FieldRole;
import io.moc.optim.AdamW;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * A CTR model (backbone × item representation × fusion, see {@link CtrModelConfig}) trained online
 * on mini-batches with DJL's PyTorch engine: Adam (decoupled weight decay), binary cross-entropy on
 * logits. Deterministic for a seed on a given machine and thread count. Not thread-safe: one
 * instance per operator instance.
 *
 * <p>Two kinds of bytes: the artifact ({@link #toBytes()}) that scorers load, and the training
 * checkpoint ({@code toBytes(true)}) that also holds Adam's moments and the dropout stream's
 * position, from which training continues exactly as if never interrupted.
 *
 * <p>A model belongs to one codebook version: its code embeddings mean nothing under another
 * version's codes, so the version travels with every saved artifact. A CODE_VECTORS or
 * CODES_AND_CODE_VECTORS model also carries that version's code vectors, fixed (never trained), in
 * its artifact: a scorer needs nothing but the item's codes.
 */
public final class CtrModel implements AutoCloseable {

  /** The DJL engine, named explicitly: several engines are on the class path. */
  public static final String ENGINE = "PyTorch";

  private static final Loss LOSS = Loss.sigmoidBinaryCrossEntropyLoss();

  private final CtrModelConfig config;
  private final long codebookVersion;
  private final int[] active;
  private final long[] offsets;
  private final NDManager manager;
  private final CtrNetwork network;
  private final ParameterStore store;
  private final List<Pair<String, Parameter>> parameters = new ArrayList<>();
  private final NDArray[] arrays;
  private final AdamW optimizer;
  // CODE_VECTORS and CODES_AND_CODE_VECTORS only: per code field (column order), code c's vector at
  // [c * width, (c+1) *
  // width).
  private final float[][] codeVectors;
  private final int[] codeColumns;
  private long steps;
  private boolean closed;

  private CtrModel(CtrModelConfig config, long codebookVersion, CtrModelFormat.Contents stored) {
    this(config, codebookVersion, stored, stored == null ? null : stored.codeVectors());
  }

  private CtrModel(
      CtrModelConfig config,
      long codebookVersion,
      CtrModelFormat.Contents stored,
      float[][] codeVectors) {
    this.config = config;
    this.codebookVersion = codebookVersion;
    this.codeColumns = codeColumns(config);
    this.codeVectors = checkedCodeVectors(config, codeColumns, codeVectors);
    this.active = config.activeFields();
    this.offsets = new long[active.length];
    long rows = 0;
    for (int i = 0; i < active.length; i++) {
      offsets[i] = rows;
      rows += config.fields().get(active[i]).vocabularySize();
    }
    this.network = newNetwork(config);
    for (Pair<String, Parameter> p : network.getParameters()) {
      parameters.add(p);
    }
    if (stored != null) {
      useStoredValues(stored);
      this.steps = stored.steps();
    }
    this.manager = NDManager.newBaseManager(ENGINE);
    network.initialize(manager, DataType.FLOAT32, new Shape(1, config.fields().size()));
    this.store = new ParameterStore(manager, false);
    this.arrays = parameters.stream().map(p -> p.getValue().getArray()).toArray(NDArray[]::new);
    this.optimizer = new AdamW(config.learningRate(), config.weightDecay(), arrays.length);
    if (stored != null && stored.training() != null) {
      CtrModelFormat.TrainingState training = stored.training();
      optimizer.restore(
          training.adamUpdates(), arrays, training.moments().toArray(float[][][]::new));
      network.dropout().resume(training.dropoutState());
    }
  }

  /**
   * The network of a model of {@code config} as a bare DJL block, with the parameters and seeded
   * initialisation {@link #create} gives it; not yet initialised. It reads one input, the B × C
   * int64 offset indices of {@link #indices} (plus the B × D dense input with an adapter), and
   * returns B logits. For driving the same network with DJL's own {@code Trainer} and {@code
   * Predictor} (bin/moc bench ctr).
   */
  public static Block network(CtrModelConfig config) {
    return newNetwork(config);
  }

  private static CtrNetwork newNetwork(CtrModelConfig config) {
    long rows = 0;
    for (int column : config.activeFields()) {
      rows += config.fields().get(column).vocabularySize();
    }
    Random random = new Random(config.seed());
    // A stream of its own, so that dropout never shifts the initialisation and vice versa.
    DropoutMasks dropout = new DropoutMasks(random.nextLong(), config.dropout());
    return new CtrNetwork(config, rows, dropout, random);
  }

  /**
   * A freshly initialised model for codes of {@code codebookVersion}.
   *
   * @throws IllegalArgumentException for CODE_VECTORS, which needs the version's code vectors
   */
  public static CtrModel create(CtrModelConfig config, long codebookVersion) {
    return new CtrModel(config, codebookVersion, null, null);
  }

  /**
   * A freshly initialised CODE_VECTORS model for codes of {@code codebookVersion}.
   *
   * @param codeVectors per code field (the CODE columns in column order), its K code vectors of
   *     {@code denseDimension / M} values each, row after row (see {@link #codeVectorsOf})
   * @throws IllegalArgumentException when the vectors do not fit the configuration
   */
  public static CtrModel create(
      CtrModelConfig config, long codebookVersion, float[][] codeVectors) {
    return new CtrModel(config, codebookVersion, null, codeVectors);
  }

  /**
   * A codebook's code vectors in the layout {@link #create(CtrModelConfig, long, float[][])} reads.
   */
  public static float[][] codeVectorsOf(Codebook codebook) {
    float[][] vectors = new float[codebook.numCodebooks()][];
    for (int m = 0; m < vectors.length; m++) {
      int width = codebook.codeVector(m, 0).length;
      vectors[m] = new float[codebook.codebookSize() * width];
      for (int c = 0; c < codebook.codebookSize(); c++) {
        System.arraycopy(codebook.codeVector(m, c), 0, vectors[m], c * width, width);
      }
    }
    return vectors;
  }

  private static int[] codeColumns(CtrModelConfig config) {
    List<Integer> columns = new ArrayList<>();
    for (int c = 0; c < config.fields().size(); c++) {
      if (config.fields().get(c).role() == FieldRole.CODE) {
        columns.add(c);
      }
    }
    return columns.stream().mapToInt(Integer::intValue).toArray();
  }

  private static float[][] checkedCodeVectors(
      CtrModelConfig config, int[] codeColumns, float[][] vectors) {
    if (!config.carriesCodeVectors()) {
      return null;
    }
    if (vectors == null || vectors.length != codeColumns.length) {
      throw new IllegalArgumentException(
          config.representation()
              + " needs code vectors for each of its "
              + codeColumns.length
              + " code fields");
    }
    int width = config.denseDimension() / codeColumns.length;
    float[][] copy = new float[vectors.length][];
    for (int m = 0; m < vectors.length; m++) {
      int codes = config.fields().get(codeColumns[m]).vocabularySize() - 1;
      if (vectors[m] == null || vectors[m].length != codes * width) {
        throw new IllegalArgumentException(
            "code field " + m + " needs " + codes + " vectors of " + width + " values");
      }
      Codebook.requireFinite(vectors[m], "code vectors");
      copy[m] = vectors[m].clone();
    }
    return copy;
  }

  /**
   * Whether {@link #withCodeVectors} takes {@code vectors}: this model carries code vectors, and
   * they have its number of code fields, codes per field and width. A codebook version of another
   * width needs a fresh model.
   */
  public boolean fitsCodeVectors(float[][] vectors) {
    if (codeVectors == null || vectors == null || vectors.length != codeVectors.length) {
      return false;
    }
    for (int m = 0; m < vectors.length; m++) {
      if (vectors[m] == null || vectors[m].length != codeVectors[m].length) {
        return false;
      }
    }
    return true;
  }

  /**
   * This model that carries code vectors for the codes of another codebook version, with that
   * version's code vectors: every trained parameter carries over (the adapter's MLP meets vectors
   * of another codebook and, with CODES_AND_CODE_VECTORS, the code rows meet another version's
   * codes, which the candidate's training adapts them to before it may be promoted); Adam starts
   * afresh.
   */
  public CtrModel withCodeVectors(long newCodebookVersion, float[][] vectors) {
    requireOpen();
    if (codeVectors == null) {
      throw new IllegalStateException("only a model that carries code vectors reads them");
    }
    return new CtrModel(
        config,
        newCodebookVersion,
        new CtrModelFormat.Contents(config, newCodebookVersion, steps, tensors(), null, vectors),
        vectors);
  }

  /**
   * Reads an artifact written by {@link #toBytes()}, or a training checkpoint written by {@code
   * toBytes(true)}, which then also continues Adam and the dropout stream where they were.
   *
   * @throws IllegalArgumentException when its checksum does not match or it is malformed
   */
  public static CtrModel fromBytes(byte[] artifact) {
    CtrModelFormat.Contents contents = CtrModelFormat.read(artifact);
    return new CtrModel(contents.config(), contents.codebookVersion(), contents);
  }

  public static CtrModel load(InputStream in) throws IOException {
    return fromBytes(in.readAllBytes());
  }

  public static CtrModel load(Path path) throws IOException {
    return fromBytes(Files.readAllBytes(path));
  }

  /** The artifact: configuration, codebook version, parameters and their SHA-256. */
  public byte[] toBytes() {
    return toBytes(false);
  }

  /**
   * The artifact, or with {@code withTrainingState} a training checkpoint: the artifact plus Adam's
   * step count and moments and the dropout stream's position, so that a model read from it trains
   * on bit-identically (on the same machine and thread count). Scorers need only the artifact.
   */
  public byte[] toBytes(boolean withTrainingState) {
    requireOpen();
    CtrModelFormat.TrainingState training = null;
    if (withTrainingState) {
      List<float[][]> moments = new ArrayList<>();
      for (int i = 0; i < arrays.length; i++) {
        moments.add(optimizer.moments(i));
      }
      training =
          new CtrModelFormat.TrainingState(optimizer.updates(), network.dropout().state(), moments);
    }
    return CtrModelFormat.write(
        new CtrModelFormat.Contents(
            config, codebookVersion, steps, tensors(), training, codeVectors));
  }

  private Map<String, CtrModelFormat.Tensor> tensors() {
    Map<String, CtrModelFormat.Tensor> values = new LinkedHashMap<>();
    for (Pair<String, Parameter> p : parameters) {
      NDArray array = p.getValue().getArray();
      values.put(
          p.getKey(), new CtrModelFormat.Tensor(array.getShape().getShape(), array.toFloatArray()));
    }
    return values;
  }

  /**
   * A model for the codes of another codebook version that starts from what this one learnt: every
   * parameter is copied, except that each code field's embedding rows (in every embedding set, and
   * DeepFM's first-order weights) become the mean of this model's rows listed for them. The step
   * count carries over; Adam starts afresh: the moments of a remapped row belong to a row that no
   * longer exists.
   *
   * @param codeSources per code field (the CODE columns in column order), per index of the new
   *     version's vocabulary, this model's indices of the same field whose rows are averaged into
   *     it (repeat an index to weight it); null or empty keeps the row a fresh model of the same
   *     configuration starts with
   * @throws IllegalArgumentException when the sources do not fit the code fields
   */
  public CtrModel remapCodes(long newCodebookVersion, int[][][] codeSources) {
    requireOpen();
    if (codeVectors != null) {
      throw new IllegalStateException(
          "a model that carries code vectors moves on with withCodeVectors");
    }
    List<Integer> codeColumns = new ArrayList<>();
    for (int c = 0; c < config.fields().size(); c++) {
      if (config.fields().get(c).role() == FieldRole.CODE) {
        codeColumns.add(c);
      }
    }
    if (codeSources.length != codeColumns.size()) {
      throw new IllegalArgumentException(
          codeSources.length + " code sources for " + codeColumns.size() + " code fields");
    }
    Map<String, CtrModelFormat.Tensor> values = tensors();
    Map<String, float[]> initial;
    try (CtrModel fresh = create(config, newCodebookVersion)) {
      initial = fresh.parameterValues();
    }
    Set<Parameter> tables = new HashSet<>();
    collectTables(network, tables);
    for (Pair<String, Parameter> p : parameters) {
      if (!tables.contains(p.getValue())) {
        continue;
      }
      float[] old = values.get(p.getKey()).values();
      float[] remapped = old.clone();
      int width = Math.toIntExact(p.getValue().getShape().get(1));
      for (int j = 0; j < active.length; j++) {
        int m = codeColumns.indexOf(active[j]);
        if (m < 0) {
          continue;
        }
        int vocabulary = config.fields().get(active[j]).vocabularySize();
        if (codeSources[m] == null || codeSources[m].length != vocabulary) {
          throw new IllegalArgumentException("code field " + m + " needs " + vocabulary + " rows");
        }
        for (int v = 0; v < vocabulary; v++) {
          int row = Math.toIntExact(offsets[j] + v) * width;
          int[] sources = codeSources[m][v];
          if (sources == null || sources.length == 0) {
            System.arraycopy(initial.get(p.getKey()), row, remapped, row, width);
            continue;
          }
          for (int d = 0; d < width; d++) {
            double sum = 0;
            for (int u : sources) {
              if (u < 0 || u >= vocabulary) {
                throw new IllegalArgumentException("code index " + u + " outside its field");
              }
              sum += old[Math.toIntExact(offsets[j] + u) * width + d];
            }
            remapped[row + d] = (float) (sum / sources.length);
          }
        }
      }
      values.put(p.getKey(), new CtrModelFormat.Tensor(values.get(p.getKey()).shape(), remapped));
    }
    return new CtrModel(
        config,
        newCodebookVersion,
        new CtrModelFormat.Contents(config, newCodebookVersion, steps, values, null, null));
  }

  /**
   * This model with code-field embedding rows given from outside, before training: rows derived
   * from the codebook's vectors, so that a rare code starts where its meaning is rather than at
   * random. Applied to every embedding table as wide as the rows (every embedding set, not DeepFM's
   * first-order weights); each field's given rows are rescaled to the root mean square of that
   * field's rows in this model, so the initialiser's scale is kept. The step count carries over;
   * Adam starts afresh.
   *
   * @param rows per code field (the CODE columns in column order), per index of its vocabulary, the
   *     row, or null to keep this model's
   * @throws IllegalArgumentException when the rows do not fit the code fields
   */
  public CtrModel withCodeRows(float[][][] rows) {
    requireOpen();
    List<Integer> codeColumns = new ArrayList<>();
    for (int c = 0; c < config.fields().size(); c++) {
      if (config.fields().get(c).role() == FieldRole.CODE) {
        codeColumns.add(c);
      }
    }
    if (rows.length != codeColumns.size()) {
      throw new IllegalArgumentException(
          rows.length + " code row sets for " + codeColumns.size() + " code fields");
    }
    Map<String, CtrModelFormat.Tensor> values = tensors();
    Set<Parameter> tables = new HashSet<>();
    collectTables(network, tables);
    for (Pair<String, Parameter> p : parameters) {
      if (!tables.contains(p.getValue())) {
        continue;
      }
      float[] table = values.get(p.getKey()).values().clone();
      int width = Math.toIntExact(p.getValue().getShape().get(1));
      for (int j = 0; j < active.length; j++) {
        int m = codeColumns.indexOf(active[j]);
        if (m < 0 || rows[m] == null) {
          continue;
        }
        int vocabulary = config.fields().get(active[j]).vocabularySize();
        if (rows[m].length != vocabulary) {
          throw new IllegalArgumentException("code field " + m + " needs " + vocabulary + " rows");
        }
        int first = Math.toIntExact(offsets[j]) * width;
        double own = 0;
        double given = 0;
        int counted = 0;
        for (int v = 0; v < vocabulary; v++) {
          for (int d = 0; d < width; d++) {
            own += (double) table[first + v * width + d] * table[first + v * width + d];
          }
          if (rows[m][v] != null && rows[m][v].length == width) {
            for (float x : rows[m][v]) {
              given += (double) x * x;
            }
            counted++;
          }
        }
        if (counted == 0 || given == 0) {
          continue; // rows of another width (first-order weights), or all zero
        }
        double scale = Math.sqrt((own / vocabulary) / (given / counted));
        for (int v = 0; v < vocabulary; v++) {
          if (rows[m][v] != null && rows[m][v].length == width) {
            for (int d = 0; d < width; d++) {
              table[first + v * width + d] = (float) (rows[m][v][d] * scale);
            }
          }
        }
      }
      values.put(p.getKey(), new CtrModelFormat.Tensor(values.get(p.getKey()).shape(), table));
    }
    return new CtrModel(
        config,
        codebookVersion,
        new CtrModelFormat.Contents(config, codebookVersion, steps, values, null, codeVectors));
  }

  private static void collectTables(Block block, Set<Parameter> tables) {
    if (block instanceof FieldEmbedding embedding) {
      tables.add(embedding.table());
    }
    for (Block child : block.getChildren().values()) {
      collectTables(child, tables);
    }
  }

  public void save(OutputStream out) throws IOException {
    out.write(toBytes());
  }

  public void save(Path path) throws IOException {
    Files.write(path, toBytes());
  }

  public CtrModelConfig config() {
    return config;
  }

  public long codebookVersion() {
    return codebookVersion;
  }

  /** Training steps taken, including those before the model was saved and loaded. */
  public long steps() {
    return steps;
  }

  /** Trainable scalars, all embedding sets and modules included. */
  public long parameterCount() {
    long count = 0;
    for (Pair<String, Parameter> p : parameters) {
      count += p.getValue().getShape().size();
    }
    return count;
  }

  /**
   * Embedding rows ("tokens") per field role over all embedding sets, for the fields the model
   * reads: what the unified hashed-id representation saves shows as ITEM_ID rows replaced by
   * HASHED_ITEM_ID rows. DeepFM's first-order weights are not counted.
   */
  public Map<FieldRole, Long> embeddingRows() {
    Map<FieldRole, Long> rows = new EnumMap<>(FieldRole.class);
    for (int column : active) {
      CtrModelConfig.Field f = config.fields().get(column);
      rows.merge(f.role(), (long) f.vocabularySize() * config.embeddingSets(), Long::sum);
    }
    return Collections.unmodifiableMap(rows);
  }

  /** All embedding rows of {@link #embeddingRows()}. */
  public long totalEmbeddingRows() {
    return embeddingRows().values().stream().mapToLong(Long::longValue).sum();
  }

  /**
   * One Adam step on the batch's mean binary cross-entropy.
   *
   * @return the batch's loss before the step
   * @throws IllegalArgumentException for a batch without labels or with bad indices or inputs
   */
  public float trainStep(CtrBatch batch) {
    requireOpen();
    if (batch.labels() == null) {
      throw new IllegalArgumentException("a training batch needs labels");
    }
    for (float y : batch.labels()) {
      if (!(y >= 0 && y <= 1)) {
        throw new IllegalArgumentException("labels must lie in [0, 1]");
      }
    }
    float loss = backward(batch);
    // After the step's manager closed: the parameters are back in the model's manager, so the
    // optimiser's moments are created there and outlive the step.
    update();
    steps++;
    return loss;
  }

  /** Click probabilities of the batch's examples (labels, if any, are ignored). */
  public float[] predict(CtrBatch batch) {
    requireOpen();
    try (NDManager step = manager.newSubManager()) {
      step.tempAttachAll(arrays);
      NDList inputs = inputs(step, batch);
      boolean gradMode = JniUtils.isGradMode();
      JniUtils.setGradMode(false);
      try {
        return Activation.sigmoid(network.logits(store, inputs.get(0), inputs.get(1), false))
            .toFloatArray();
      } finally {
        JniUtils.setGradMode(gradMode);
      }
    }
  }

  /** Parameter names (in the network's order) and their current gradients; for tests. */
  Map<String, float[]> gradients() {
    Map<String, float[]> gradients = new LinkedHashMap<>();
    for (Pair<String, Parameter> p : parameters) {
      try (NDArray g = p.getValue().getArray().getGradient()) {
        gradients.put(p.getKey(), g.toFloatArray());
      }
    }
    return gradients;
  }

  /** Parameter names (in the network's order) and their current values. */
  Map<String, float[]> parameterValues() {
    Map<String, float[]> values = new LinkedHashMap<>();
    for (Pair<String, Parameter> p : parameters) {
      values.put(p.getKey(), p.getValue().getArray().toFloatArray());
    }
    return values;
  }

  /**
   * Every parameter's values, in the network's order (one flat array per parameter): what replicas
   * of a data-parallel trainer exchange.
   */
  public float[][] parameterArrays() {
    requireOpen();
    float[][] values = new float[arrays.length][];
    for (int i = 0; i < arrays.length; i++) {
      values[i] = arrays[i].toFloatArray();
    }
    return values;
  }

  /**
   * Overwrites every parameter's values in place; Adam's moments and the step count are kept, so
   * training goes on from the new values as from its own.
   *
   * @throws IllegalArgumentException when the arrays do not have the parameters' sizes
   */
  public void setParameterArrays(float[][] values) {
    requireOpen();
    if (values.length != arrays.length) {
      throw new IllegalArgumentException(
          values.length + " arrays for " + arrays.length + " parameters");
    }
    for (int i = 0; i < arrays.length; i++) {
      if (values[i].length != arrays[i].size()) {
        throw new IllegalArgumentException(
            "parameter " + i + " has " + arrays[i].size() + " values, not " + values[i].length);
      }
    }
    for (int i = 0; i < arrays.length; i++) {
      arrays[i].set(values[i]);
    }
  }

  /** Arrays the model's manager holds: constant once training runs; for tests of leaks. */
  int liveArrays() {
    return ((BaseNDManager) manager).getManagedArrays().size();
  }

  /**
   * Forward and backward pass in training mode, leaving the gradients on the parameters.
   *
   * @return the batch's loss
   */
  float backward(CtrBatch batch) {
    try (NDManager step = manager.newSubManager()) {
      step.tempAttachAll(arrays);
      NDList inputs = inputs(step, batch);
      NDArray labels = step.create(batch.labels());
      // Autograd through JNI directly rather than a DJL GradientCollector: that allows only one
      // collector per JVM, and parallel subtasks in one TaskManager each train a model.
      boolean gradMode = JniUtils.isGradMode();
      JniUtils.setGradMode(true);
      try {
        NDArray logits = network.logits(store, inputs.get(0), inputs.get(1), true);
        NDArray loss = LOSS.evaluate(new NDList(labels), new NDList(logits));
        JniUtils.backward((PtNDArray) loss, (PtNDArray) step.ones(loss.getShape()), false, false);
        return loss.getFloat();
      } finally {
        JniUtils.setGradMode(gradMode);
      }
    }
  }

  private void update() {
    boolean gradMode = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try {
      for (int i = 0; i < parameters.size(); i++) {
        NDArray weight = parameters.get(i).getValue().getArray();
        try (NDArray gradient = weight.getGradient()) {
          optimizer.update(i, weight, gradient);
        }
        // PyTorch accumulates gradients across backward passes.
        JniUtils.zeroGrad((PtNDArray) weight);
      }
    } finally {
      JniUtils.setGradMode(gradMode);
    }
  }

  /** Offset indices (B × C, int64) and, with an adapter, the dense input (B × D), or null. */
  private NDList inputs(NDManager step, CtrBatch batch) {
    int b = batch.size();
    NDArray dense = null;
    if (codeVectors != null) {
      dense = step.create(codeVectorInput(batch), new Shape(b, config.denseDimension()));
    } else if (config.hasAdapter()) {
      int d = config.denseDimension();
      if (batch.dense() == null) {
        throw new IllegalArgumentException(
            "the " + config.representation() + " representation needs the dense input");
      }
      float[] flat = new float[b * d];
      for (int i = 0; i < b; i++) {
        float[] row = batch.dense()[i];
        if (row == null || row.length != d) {
          throw new IllegalArgumentException("dense input of example " + i + " is not " + d + "-d");
        }
        for (float v : row) {
          if (!Float.isFinite(v)) {
            throw new IllegalArgumentException("dense input contains NaN or infinite values");
          }
        }
        System.arraycopy(row, 0, flat, i * d, d);
      }
      dense = step.create(flat, new Shape(b, d));
    }
    NDList list = new NDList(step.create(indices(batch), new Shape(b, active.length)));
    list.add(dense);
    return list;
  }

  /**
   * The batch's categorical input as the network reads it: the active fields' indices, each offset
   * into the one embedding table, row-major B × {@code config().activeFields().length}.
   *
   * @throws IllegalArgumentException for a row of the wrong width or an index out of its field
   */
  public long[] indices(CtrBatch batch) {
    int b = batch.size();
    int width = config.fields().size();
    long[] indices = new long[b * active.length];
    for (int i = 0; i < b; i++) {
      int[] row = batch.fields()[i];
      if (row == null || row.length != width) {
        throw new IllegalArgumentException("example " + i + " does not have " + width + " fields");
      }
      for (int j = 0; j < active.length; j++) {
        int value = row[active[j]];
        CtrModelConfig.Field f = config.fields().get(active[j]);
        if (value < 0 || value >= f.vocabularySize()) {
          throw new IllegalArgumentException(
              "field " + f.name() + " index " + value + " outside [0, " + f.vocabularySize() + ")");
        }
        indices[i * active.length + j] = offsets[j] + value;
      }
    }
    return indices;
  }

  /**
   * The CODE_VECTORS dense input: per example, the vectors of its codes concatenated in codebook
   * order; zeros for an item without codes (index 0). Indices are checked by {@link #indices}.
   */
  private float[] codeVectorInput(CtrBatch batch) {
    int d = config.denseDimension();
    int width = d / codeColumns.length;
    float[] flat = new float[batch.size() * d];
    for (int i = 0; i < batch.size(); i++) {
      int[] row = batch.fields()[i];
      if (row == null || row.length != config.fields().size()) {
        throw new IllegalArgumentException(
            "example " + i + " does not have " + config.fields().size() + " fields");
      }
      for (int m = 0; m < codeColumns.length; m++) {
        int index = row[codeColumns[m]];
        int codes = codeVectors[m].length / width;
        if (index < 0 || index > codes) {
          throw new IllegalArgumentException("code index " + index + " outside [0, " + codes + "]");
        }
        if (index > 0) {
          System.arraycopy(codeVectors[m], (index - 1) * width, flat, i * d + m * width, width);
        }
      }
    }
    return flat;
  }

  /** Makes every parameter initialise to its stored value; names and shapes must match. */
  private void useStoredValues(CtrModelFormat.Contents stored) {
    Map<String, CtrModelFormat.Tensor> values = stored.parameters();
    if (values.size() != parameters.size()) {
      throw new IllegalArgumentException(
          "artifact has " + values.size() + " parameters, the model " + parameters.size());
    }
    // Optimiser moments are stored by position: the order must be the network's too.
    if (stored.training() != null
        && !new ArrayList<>(values.keySet())
            .equals(parameters.stream().map(Pair::getKey).toList())) {
      throw new IllegalArgumentException("checkpoint parameters are not in the network's order");
    }
    for (Pair<String, Parameter> p : parameters) {
      CtrModelFormat.Tensor t = values.get(p.getKey());
      if (t == null || !new Shape(t.shape()).equals(p.getValue().getShape())) {
        throw new IllegalArgumentException(
            "artifact lacks parameter " + p.getKey() + " or its shape");
      }
      p.getValue().setInitializer((m, shape, type) -> m.create(t.values(), shape));
    }
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("model is closed");
    }
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      manager.close();
    }
  }
}
