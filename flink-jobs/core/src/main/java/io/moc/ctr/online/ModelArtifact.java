package io.moc.ctr.online;

import io.moc.ctr.model.CtrModel;
import io.moc.util.Sha256;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * What the trainer publishes for scoring: the model's artifact bytes ({@link CtrModel#toBytes()},
 * checksummed, no optimiser state) with the {@link FeatureContract} they were trained under, so
 * that a scorer builds inputs exactly as the trainer did and never reads codes of another codebook
 * version.
 *
 * <p>Bytes: magic "MoCA", format version, the contract (hash name, codebook version, buckets, M,
 * K), the model bytes (length-prefixed), and last the SHA-256 of everything before it.
 */
public final class ModelArtifact {

  private static final int MAGIC = 0x4d6f4341; // "MoCA"
  private static final int VERSION = 1;

  private final FeatureContract contract;
  private final byte[] model;

  private ModelArtifact(FeatureContract contract, byte[] model) {
    this.contract = contract;
    this.model = model;
  }

  /** The artifact of {@code model}, which must read {@code contract}'s columns and version. */
  public static ModelArtifact of(CtrModel model, FeatureContract contract) {
    contract.check(model);
    return new ModelArtifact(contract, model.toBytes());
  }

  public FeatureContract contract() {
    return contract;
  }

  public long codebookVersion() {
    return contract.codebookVersion();
  }

  /** The model's own artifact, as {@link CtrModel#fromBytes} reads it. */
  public byte[] modelBytes() {
    return model.clone();
  }

  public byte[] toBytes() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(model.length + 128);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(MAGIC);
      out.writeInt(VERSION);
      contract.writeTo(out);
      out.writeInt(model.length);
      out.write(model);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Sha256.withDigest(bytes.toByteArray());
  }

  /** Lower-case hex SHA-256 of {@link #toBytes()}, for the snapshot's metadata. */
  public String sha256() {
    return Sha256.hex(toBytes());
  }

  /**
   * @throws IllegalArgumentException when the checksum does not match or the bytes are malformed
   */
  public static ModelArtifact fromBytes(byte[] artifact) {
    byte[] body = Sha256.verifiedBody(artifact, "model artifact");
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(body))) {
      if (in.readInt() != MAGIC) {
        throw new IllegalArgumentException("not a model artifact (bad magic number)");
      }
      int version = in.readInt();
      if (version != VERSION) {
        throw new IllegalArgumentException("unsupported model artifact version " + version);
      }
      FeatureContract contract = FeatureContract.readFrom(in);
      int length = in.readInt();
      if (length < 0 || length != in.available()) {
        throw new IllegalArgumentException("model artifact length does not match its bytes");
      }
      byte[] model = new byte[length];
      in.readFully(model);
      return new ModelArtifact(contract, model);
    } catch (IOException e) {
      throw new IllegalArgumentException("truncated model artifact", e);
    }
  }

  /**
   * Loads the model for scoring. Not thread-safe, like the model: one per operator instance.
   *
   * @throws IllegalArgumentException when the model bytes are corrupted or do not fit the contract
   */
  public Scorer open() {
    CtrModel loaded = CtrModel.fromBytes(model);
    try {
      contract.check(loaded);
    } catch (IllegalArgumentException e) {
      loaded.close();
      throw e;
    }
    return new Scorer(loaded, contract);
  }

  /** Scores (user id, item id, codes) through the contract, exactly as the trainer does. */
  public static final class Scorer implements AutoCloseable {

    private final CtrModel model;
    private final FeatureContract contract;

    Scorer(CtrModel model, FeatureContract contract) {
      this.model = model;
      this.contract = contract;
    }

    public FeatureContract contract() {
      return contract;
    }

    /**
     * The click probability of an impression.
     *
     * @param codes the item's codes of {@code contract().codebookVersion()}, or null for none
     */
    public float score(String userId, String itemId, int[] codes) {
      return score(new String[] {userId}, new String[] {itemId}, new int[][] {codes})[0];
    }

    /** Click probabilities of a batch, one model call. */
    public float[] score(String[] userIds, String[] itemIds, int[][] codes) {
      return contract.score(model, userIds, itemIds, codes);
    }

    @Override
    public void close() {
      model.close();
    }
  }
}
