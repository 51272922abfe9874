package io.moc.ctr.model;

import static io.moc.codebook.CodebookCodec.bounded;

import io.moc.ctr.model.CtrModelConfig.Backbone;
import io.moc.ctr.model.CtrModelConfig.Field;
import io.moc.ctr.model.CtrModelConfig.FieldRole;
import io.moc.ctr.model.CtrModelConfig.Fusion;
import io.moc.ctr.model.CtrModelConfig.ItemRepresentation;
import io.moc.util.Sha256;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The bytes of a saved {@link CtrModel}: magic number, format version, codebook version, training
 * steps, the configuration, every parameter (name, shape, float32 values, big-endian) in the
 * network's order, and last the SHA-256 of everything before it.
 *
 * <p>Version 1, the published artifact, stores no optimiser state: a loaded model predicts exactly
 * as the saved one, and training it restarts Adam. Version 2, a training checkpoint, appends after
 * the parameters the state that training continues from: Adam's step count, the dropout stream's
 * position, and per parameter (in the same order) a flag and, when set, its first and second
 * moments as float32; a model loaded from it trains on bit-identically.
 */
final class CtrModelFormat {

  private static final int MAGIC = 0x4d6f4343; // "MoCC"
  private static final int VERSION = 1;
  private static final int VERSION_WITH_TRAINING_STATE = 2;

  // K × d of one codebook: 2^16 codes of 1024 values at most.
  private static final int MAX_CODE_VECTOR_VALUES = 1 << 26;

  private CtrModelFormat() {}

  /** A parameter as stored. */
  record Tensor(long[] shape, float[] values) {}

  /**
   * What training continues from besides the parameters.
   *
   * @param moments per parameter in the network's order, its Adam first and second moments, or null
   *     before its first update
   */
  record TrainingState(long adamUpdates, long dropoutState, List<float[][]> moments) {}

  /**
   * What an artifact holds; {@code training} is null in a published (version 1) artifact.
   *
   * @param codeVectors the code vectors of a representation that carries them, per code field K ×
   *     d, stored after the parameters; null for every other representation
   */
  record Contents(
      CtrModelConfig config,
      long codebookVersion,
      long steps,
      Map<String, Tensor> parameters,
      TrainingState training,
      float[][] codeVectors) {}

  static byte[] write(Contents contents) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(MAGIC);
      out.writeInt(contents.training() == null ? VERSION : VERSION_WITH_TRAINING_STATE);
      out.writeLong(contents.codebookVersion());
      out.writeLong(contents.steps());
      writeConfig(out, contents.config());
      out.writeInt(contents.parameters().size());
      for (Map.Entry<String, Tensor> p : contents.parameters().entrySet()) {
        out.writeUTF(p.getKey());
        long[] shape = p.getValue().shape();
        out.writeInt(shape.length);
        for (long d : shape) {
          out.writeLong(d);
        }
        writeFloats(out, p.getValue().values());
      }
      if (contents.config().carriesCodeVectors()) {
        out.writeInt(contents.codeVectors().length);
        for (float[] v : contents.codeVectors()) {
          out.writeInt(v.length);
          writeFloats(out, v);
        }
      }
      if (contents.training() != null) {
        writeTrainingState(out, contents.training());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Sha256.withDigest(bytes.toByteArray());
  }

  /**
   * @throws IllegalArgumentException when the checksum does not match, or the bytes are not a
   *     well-formed artifact
   */
  static Contents read(byte[] artifact) {
    byte[] body = Sha256.verifiedBody(artifact, "CTR model artifact");
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(body))) {
      if (in.readInt() != MAGIC) {
        throw new IllegalArgumentException("not a CTR model artifact (bad magic number)");
      }
      int version = in.readInt();
      if (version != VERSION && version != VERSION_WITH_TRAINING_STATE) {
        throw new IllegalArgumentException("unsupported CTR model format version " + version);
      }
      long codebookVersion = in.readLong();
      long steps = in.readLong();
      CtrModelConfig config = readConfig(in);
      int count = bounded(in.readInt(), 1 << 16, "parameter count");
      Map<String, Tensor> parameters = new LinkedHashMap<>();
      for (int i = 0; i < count; i++) {
        String name = in.readUTF();
        int rank = bounded(in.readInt(), 8, "rank");
        long[] shape = new long[rank];
        long size = 1;
        for (int j = 0; j < rank; j++) {
          shape[j] = in.readLong();
          if (shape[j] < 1 || shape[j] > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("bad dimension " + shape[j] + " of " + name);
          }
          size *= shape[j];
          if (size * Float.BYTES > in.available()) {
            throw new IllegalArgumentException("artifact too short for parameter " + name);
          }
        }
        if (parameters.put(name, new Tensor(shape, readFloats(in, (int) size))) != null) {
          throw new IllegalArgumentException("duplicate parameter " + name);
        }
      }
      float[][] codeVectors = null;
      if (config.carriesCodeVectors()) {
        codeVectors = new float[bounded(in.readInt(), 64, "code fields")][];
        for (int m = 0; m < codeVectors.length; m++) {
          int length = bounded(in.readInt(), MAX_CODE_VECTOR_VALUES, "code vector values");
          if ((long) length * Float.BYTES > in.available()) {
            throw new IllegalArgumentException("artifact too short for the code vectors");
          }
          codeVectors[m] = readFloats(in, length);
        }
      }
      TrainingState training =
          version == VERSION_WITH_TRAINING_STATE ? readTrainingState(in, parameters) : null;
      if (in.available() > 0) {
        throw new IllegalArgumentException("CTR model artifact has trailing bytes");
      }
      return new Contents(config, codebookVersion, steps, parameters, training, codeVectors);
    } catch (IOException e) {
      throw new IllegalArgumentException("truncated CTR model artifact", e);
    }
  }

  private static void writeTrainingState(DataOutputStream out, TrainingState training)
      throws IOException {
    out.writeLong(training.adamUpdates());
    out.writeLong(training.dropoutState());
    for (float[][] moments : training.moments()) {
      out.writeBoolean(moments != null);
      if (moments != null) {
        writeFloats(out, moments[0]);
        writeFloats(out, moments[1]);
      }
    }
  }

  private static TrainingState readTrainingState(DataInputStream in, Map<String, Tensor> parameters)
      throws IOException {
    long adamUpdates = in.readLong();
    long dropoutState = in.readLong();
    if (adamUpdates < 0) {
      throw new IllegalArgumentException("negative Adam step count");
    }
    List<float[][]> moments = new ArrayList<>();
    for (Tensor t : parameters.values()) {
      if (in.readBoolean()) {
        int size = t.values().length;
        if ((long) size * Float.BYTES * 2 > in.available()) {
          throw new IllegalArgumentException("artifact too short for the optimiser state");
        }
        moments.add(new float[][] {readFloats(in, size), readFloats(in, size)});
      } else {
        moments.add(null);
      }
    }
    return new TrainingState(adamUpdates, dropoutState, moments);
  }

  private static void writeFloats(DataOutputStream out, float[] values) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(values.length * Float.BYTES);
    buffer.asFloatBuffer().put(values);
    out.write(buffer.array());
  }

  private static float[] readFloats(DataInputStream in, int size) throws IOException {
    byte[] raw = new byte[Math.multiplyExact(size, Float.BYTES)];
    in.readFully(raw);
    float[] values = new float[size];
    ByteBuffer.wrap(raw).asFloatBuffer().get(values);
    return values;
  }

  private static void writeConfig(DataOutputStream out, CtrModelConfig c) throws IOException {
    out.writeInt(c.fields().size());
    for (Field f : c.fields()) {
      out.writeUTF(f.name());
      out.writeUTF(f.role().name());
      out.writeInt(f.vocabularySize());
    }
    out.writeInt(c.denseDimension());
    out.writeInt(c.embeddingDim());
    out.writeUTF(c.backbone().name());
    out.writeUTF(c.representation().name());
    out.writeUTF(c.fusion().name());
    out.writeInt(c.embeddingSets());
    out.writeInt(c.fusionHidden());
    out.writeInt(c.mlpSizes().size());
    for (int s : c.mlpSizes()) {
      out.writeInt(s);
    }
    out.writeInt(c.crossLayers());
    out.writeInt(c.attentionLayers());
    out.writeInt(c.attentionHeads());
    out.writeInt(c.adapterHidden());
    out.writeFloat(c.dropout());
    out.writeFloat(c.learningRate());
    out.writeFloat(c.weightDecay());
    out.writeLong(c.seed());
  }

  private static CtrModelConfig readConfig(DataInputStream in) throws IOException {
    int n = bounded(in.readInt(), CtrModelConfig.MAX_FIELDS, "field count");
    List<Field> fields = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      fields.add(new Field(in.readUTF(), FieldRole.valueOf(in.readUTF()), in.readInt()));
    }
    int dense = in.readInt();
    int dim = in.readInt();
    Backbone backbone = Backbone.valueOf(in.readUTF());
    ItemRepresentation representation = ItemRepresentation.valueOf(in.readUTF());
    Fusion fusion = Fusion.valueOf(in.readUTF());
    int sets = in.readInt();
    int fusionHidden = in.readInt();
    int layers = bounded(in.readInt() + 1, 17, "MLP layer count") - 1;
    List<Integer> mlp = new ArrayList<>();
    for (int i = 0; i < layers; i++) {
      mlp.add(in.readInt());
    }
    return new CtrModelConfig(
        fields,
        dense,
        dim,
        backbone,
        representation,
        fusion,
        sets,
        fusionHidden,
        mlp,
        in.readInt(),
        in.readInt(),
        in.readInt(),
        in.readInt(),
        in.readFloat(),
        in.readFloat(),
        in.readFloat(),
        in.readLong());
  }
}
