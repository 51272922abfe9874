package io.moc.ctr.online;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.function.ToIntFunction;
import java.util.zip.CRC32;

/**
 * Rounds of parameter averaging between the replicas of a data-parallel online trainer: each
 * replica trains its own copy of every model on its share of the stream and, once a round, hands in
 * a {@link Part}; once every replica's part of a round is in, each replica {@link #merge merges}
 * the same parts in the same order, so all of them arrive at bit-identical models.
 *
 * <p>A round after the first sums the replicas' changes since the last merge ({@code base + Σ (P_i
 * − base)}): each example's update is applied once, as a single trainer applying them in turn
 * would, only up to one round late. Summing rather than averaging matters for the embedding rows,
 * which mostly only the replica that saw their user or item moves: an average would divide that
 * replica's update by the number of replicas. A model's first round (after a start or a restore, or
 * a model just started) has no common base, and takes the mean of the replicas' models instead,
 * weighted by the examples each trained (equal weights where none has): a replica that starts empty
 * after a rescale, or a model just created, does not dilute the trained ones. Adam's moments stay
 * with each replica.
 */
public final class ModelAveraging {

  private static final int MAGIC = 0x4d6f4152; // "MoAR"
  private static final int VERSION = 1;

  private ModelAveraging() {}

  /** What a replica's model is to it. */
  public enum Role {
    /** The semantic model in use. */
    CURRENT,
    /** A semantic model for a newer codebook version, trained until it replaces the current. */
    CANDIDATE,
    /** The ids-only control model. */
    CONTROL
  }

  /**
   * Which models of different replicas are one: the control, or a semantic model by its codebook
   * version (one replica's candidate and another's current are the same model).
   */
  public record Key(boolean control, long codebookVersion) {
    public static Key of(Role role, long codebookVersion) {
      return new Key(role == Role.CONTROL, codebookVersion);
    }
  }

  /**
   * One replica's model in a part.
   *
   * @param codebooks the codes per item its contract reads, to create it where it is missing
   * @param examplesTrained online examples this replica trained it on since it started
   * @param windowAuc this replica's prequential AUC; NaN before any
   * @param windowCount the examples behind {@code windowAuc} and {@code windowLogLoss}
   * @param coldStartCount the examples behind {@code coldStartAuc}
   * @param delta whether {@code values} are the change since the last merge rather than the values
   * @param values per parameter; null for a delta of zero (it has not trained since the merge)
   */
  public record Model(
      Role role,
      long codebookVersion,
      int codebooks,
      long examplesTrained,
      double windowAuc,
      double windowLogLoss,
      int windowCount,
      double coldStartAuc,
      int coldStartCount,
      boolean delta,
      float[][] values) {

    public Key key() {
      return Key.of(role, codebookVersion);
    }
  }

  /** One replica's hand-in for one round. */
  public record Part(int replica, long round, long impressionsTrained, List<Model> models) {

    /** The part as a file's bytes, with a checksum. */
    public byte[] toBytes() {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (DataOutputStream out = new DataOutputStream(bytes)) {
        out.writeInt(MAGIC);
        out.writeInt(VERSION);
        out.writeInt(replica);
        out.writeLong(round);
        out.writeLong(impressionsTrained);
        out.writeInt(models.size());
        for (Model m : models) {
          out.writeByte(m.role().ordinal());
          out.writeLong(m.codebookVersion());
          out.writeInt(m.codebooks());
          out.writeLong(m.examplesTrained());
          out.writeDouble(m.windowAuc());
          out.writeDouble(m.windowLogLoss());
          out.writeInt(m.windowCount());
          out.writeDouble(m.coldStartAuc());
          out.writeInt(m.coldStartCount());
          out.writeBoolean(m.delta());
          writeArrays(out, m.values());
        }
        CRC32 crc = new CRC32();
        out.flush();
        crc.update(bytes.toByteArray());
        out.writeLong(crc.getValue());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return bytes.toByteArray();
    }

    /**
     * Reads {@link #toBytes}.
     *
     * @throws IllegalArgumentException when the bytes are not a whole part
     */
    public static Part fromBytes(byte[] bytes) {
      if (bytes.length < 8) {
        throw new IllegalArgumentException("not an averaging part: " + bytes.length + " bytes");
      }
      CRC32 crc = new CRC32();
      crc.update(bytes, 0, bytes.length - 8);
      long stored = ByteBuffer.wrap(bytes, bytes.length - 8, 8).getLong();
      if (stored != crc.getValue()) {
        throw new IllegalArgumentException("averaging part fails its checksum");
      }
      try (DataInputStream in =
          new DataInputStream(new ByteArrayInputStream(bytes, 0, bytes.length - 8))) {
        if (in.readInt() != MAGIC || in.readInt() != VERSION) {
          throw new IllegalArgumentException("not an averaging part of version " + VERSION);
        }
        int replica = in.readInt();
        long round = in.readLong();
        long impressions = in.readLong();
        int count = in.readInt();
        List<Model> models = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
          Role role = Role.values()[in.readByte()];
          models.add(
              new Model(
                  role,
                  in.readLong(),
                  in.readInt(),
                  in.readLong(),
                  in.readDouble(),
                  in.readDouble(),
                  in.readInt(),
                  in.readDouble(),
                  in.readInt(),
                  in.readBoolean(),
                  readArrays(in)));
        }
        return new Part(replica, round, impressions, models);
      } catch (IOException e) {
        throw new IllegalArgumentException("truncated averaging part", e);
      }
    }
  }

  /**
   * A model after a round.
   *
   * @param current whether some replica handed it in as its current model
   * @param examplesTrained over the replicas that handed it in
   * @param windowAuc their prequential AUCs weighted by their windows' counts, as are the logloss
   *     and the cold-start AUC; NaN where none has one
   */
  public record Merged(
      Key key,
      boolean current,
      int codebooks,
      float[][] values,
      long examplesTrained,
      double windowAuc,
      double windowLogLoss,
      double coldStartAuc,
      int replicas) {}

  /** A round's outcome: every model handed in, and the impressions trained by all replicas. */
  public record Round(Map<Key, Merged> models, long impressionsTrained) {}

  /**
   * What a replica hands in for a model: its change since {@code base}, or its values where there
   * is no base.
   *
   * @param unchanged whether the model has not moved since it was set to {@code base}
   */
  public static Model contribution(
      Role role, OnlineCtrTrainer trainer, float[][] base, float[][] values, boolean unchanged) {
    float[][] handed;
    if (base == null) {
      handed = values;
    } else if (unchanged) {
      handed = null;
    } else {
      handed = new float[values.length][];
      for (int p = 0; p < values.length; p++) {
        float[] d = new float[values[p].length];
        for (int i = 0; i < d.length; i++) {
          d[i] = values[p][i] - base[p][i];
        }
        handed[p] = d;
      }
    }
    return new Model(
        role,
        trainer.codebookVersion(),
        trainer.contract().codebooks(),
        trainer.examplesTrained(),
        trainer.windowAuc(),
        trainer.windowLogLoss(),
        trainer.windowCount(),
        trainer.coldStartAuc(),
        trainer.coldStartCount(),
        base != null,
        handed);
  }

  /**
   * Merges a round's parts, in replica order.
   *
   * @param bases the models as the last merge left them (the same on every replica); a model
   *     without one here takes the mean of the values handed in
   * @throws IllegalArgumentException when a model is handed in as a delta without a base, or the
   *     parts disagree on its shape
   */
  public static Round merge(List<Part> parts, Map<Key, float[][]> bases) {
    List<Part> ordered = new ArrayList<>(parts);
    ordered.sort((a, b) -> Integer.compare(a.replica(), b.replica()));
    Map<Key, List<Model>> byKey = new LinkedHashMap<>();
    long impressions = 0;
    for (Part part : ordered) {
      impressions += part.impressionsTrained();
      for (Model m : part.models()) {
        byKey.computeIfAbsent(m.key(), k -> new ArrayList<>()).add(m);
      }
    }
    Map<Key, Merged> merged = new LinkedHashMap<>();
    for (Map.Entry<Key, List<Model>> e : byKey.entrySet()) {
      merged.put(e.getKey(), mergeModel(e.getKey(), e.getValue(), bases.get(e.getKey())));
    }
    return new Round(merged, impressions);
  }

  private static Merged mergeModel(Key key, List<Model> models, float[][] base) {
    float[][] values;
    if (base != null) {
      values = copy(base);
      for (Model m : models) {
        if (m.values() == null) {
          continue;
        }
        checkShape(key, values, m.values());
        for (int p = 0; p < values.length; p++) {
          float[] v = values[p];
          float[] d = m.values()[p];
          float[] b = base[p];
          if (m.delta()) {
            for (int i = 0; i < v.length; i++) {
              v[i] += d[i];
            }
          } else {
            // A replica that started the model afresh: its change is its values less the base.
            for (int i = 0; i < v.length; i++) {
              v[i] += d[i] - b[i];
            }
          }
        }
      }
    } else {
      long trained = 0;
      for (Model m : models) {
        if (m.delta()) {
          throw new IllegalArgumentException(
              "a change to " + key + " was handed in, but there is no base to apply it to");
        }
        trained += Math.max(0, m.examplesTrained());
      }
      values = new float[models.get(0).values().length][];
      for (int p = 0; p < values.length; p++) {
        values[p] = new float[models.get(0).values()[p].length];
      }
      for (Model m : models) {
        checkShape(key, values, m.values());
        float weight =
            trained == 0
                ? 1f / models.size()
                : (float) ((double) Math.max(0, m.examplesTrained()) / trained);
        for (int p = 0; p < values.length; p++) {
          float[] v = values[p];
          float[] w = m.values()[p];
          for (int i = 0; i < v.length; i++) {
            v[i] += weight * w[i];
          }
        }
      }
    }
    long examples = 0;
    boolean current = false;
    for (Model m : models) {
      examples += m.examplesTrained();
      current |= m.role() == Role.CURRENT;
    }
    return new Merged(
        key,
        current,
        models.get(0).codebooks(),
        values,
        examples,
        weighted(models, Model::windowAuc, Model::windowCount),
        weighted(models, Model::windowLogLoss, Model::windowCount),
        weighted(models, Model::coldStartAuc, Model::coldStartCount),
        models.size());
  }

  private static double weighted(
      List<Model> models, ToDoubleFunction<Model> value, ToIntFunction<Model> weight) {
    double sum = 0;
    long counted = 0;
    for (Model m : models) {
      double v = value.applyAsDouble(m);
      int w = weight.applyAsInt(m);
      if (w > 0 && !Double.isNaN(v)) {
        sum += v * w;
        counted += w;
      }
    }
    return counted == 0 ? Double.NaN : sum / counted;
  }

  /**
   * The values a replica goes on training from: the merged model plus what the replica trained
   * since it handed its part in ({@code merged + now − handedIn}), so that no example of its own is
   * lost to the wait.
   */
  public static float[][] withLocalProgress(float[][] merged, float[][] now, float[][] handedIn) {
    float[][] values = copy(merged);
    if (now == null || handedIn == null) {
      return values;
    }
    for (int p = 0; p < values.length; p++) {
      float[] v = values[p];
      float[] a = now[p];
      float[] b = handedIn[p];
      for (int i = 0; i < v.length; i++) {
        v[i] += a[i] - b[i];
      }
    }
    return values;
  }

  private static void checkShape(Key key, float[][] expected, float[][] given) {
    if (given.length != expected.length) {
      throw new IllegalArgumentException(
          key + ": " + given.length + " parameters handed in, " + expected.length + " expected");
    }
    for (int p = 0; p < given.length; p++) {
      if (given[p].length != expected[p].length) {
        throw new IllegalArgumentException(key + ": parameter " + p + " differs in size");
      }
    }
  }

  private static float[][] copy(float[][] values) {
    float[][] c = new float[values.length][];
    for (int p = 0; p < values.length; p++) {
      c[p] = values[p].clone();
    }
    return c;
  }

  private static void writeArrays(DataOutputStream out, float[][] arrays) throws IOException {
    if (arrays == null) {
      out.writeInt(-1);
      return;
    }
    out.writeInt(arrays.length);
    for (float[] a : arrays) {
      out.writeInt(a.length);
      ByteBuffer buffer = ByteBuffer.allocate(a.length * Float.BYTES).order(ByteOrder.BIG_ENDIAN);
      buffer.asFloatBuffer().put(a);
      out.write(buffer.array());
    }
  }

  private static float[][] readArrays(DataInputStream in) throws IOException {
    int count = in.readInt();
    if (count < 0) {
      return null;
    }
    float[][] arrays = new float[count][];
    for (int p = 0; p < count; p++) {
      int length = in.readInt();
      if (length < 0 || length > in.available() / Float.BYTES) {
        throw new IOException("parameter of " + length + " values in a shorter part");
      }
      byte[] raw = in.readNBytes(length * Float.BYTES);
      float[] a = new float[length];
      ByteBuffer.wrap(raw).order(ByteOrder.BIG_ENDIAN).asFloatBuffer().get(a);
      arrays[p] = a;
    }
    return arrays;
  }
}
