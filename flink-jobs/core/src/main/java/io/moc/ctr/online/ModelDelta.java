package io.moc.ctr.online;

import io.moc.util.Sha256;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * A published model as the difference from an earlier full one: the fixed-size blocks of its
 * artifact bytes ({@link ModelArtifact#toBytes()}) that differ from the base artifact's. Between
 * two publications an online model changes only the embedding rows of the users, items and codes it
 * trained on and its dense layers, so a delta is a fraction of the artifact; the blocks are small
 * enough (64 bytes: one row of a 16-wide embedding) that an unchanged row costs nothing.
 *
 * <p>Bytes: magic "MoCD", format version, the base artifact's SHA-256 (32 bytes), the length of the
 * artifact it rebuilds, the block size, the number of blocks, then each block's index (strictly
 * increasing) and bytes (the last block of the artifact may be shorter); last the SHA-256 of
 * everything before it. {@link #apply} checks the base, the bounds and the checksum; the caller
 * checks the rebuilt artifact against the SHA-256 announced for the model.
 */
public final class ModelDelta {

  private static final int MAGIC = 0x4d6f4344; // "MoCD"
  private static final int VERSION = 1;

  /** Block size of the deltas written here. */
  public static final int BLOCK_BYTES = 64;

  private static final int MAX_LENGTH = Integer.MAX_VALUE - 64;

  private ModelDelta() {}

  /**
   * The delta that rebuilds {@code target} from {@code base}.
   *
   * @throws IllegalArgumentException when the two differ in length: another shape of model, which a
   *     delta cannot carry
   */
  public static byte[] between(byte[] base, byte[] target) {
    if (base.length != target.length) {
      throw new IllegalArgumentException(
          "a delta needs artifacts of one length: " + base.length + " and " + target.length);
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(MAGIC);
      out.writeInt(VERSION);
      out.write(Sha256.of(base));
      out.writeInt(target.length);
      out.writeInt(BLOCK_BYTES);
      int blocks = (target.length + BLOCK_BYTES - 1) / BLOCK_BYTES;
      ByteArrayOutputStream changed = new ByteArrayOutputStream();
      DataOutputStream body = new DataOutputStream(changed);
      int count = 0;
      for (int b = 0; b < blocks; b++) {
        int from = b * BLOCK_BYTES;
        int to = Math.min(target.length, from + BLOCK_BYTES);
        if (Arrays.mismatch(base, from, to, target, from, to) >= 0) {
          body.writeInt(b);
          body.write(target, from, to - from);
          count++;
        }
      }
      out.writeInt(count);
      changed.writeTo(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Sha256.withDigest(bytes.toByteArray());
  }

  /**
   * The artifact {@code delta} rebuilds from {@code base}.
   *
   * @throws IllegalArgumentException when the delta is corrupt or truncated, or was taken against
   *     another base
   */
  public static byte[] apply(byte[] base, byte[] delta) {
    byte[] body = Sha256.verifiedBody(delta, "model delta");
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(body))) {
      if (in.readInt() != MAGIC) {
        throw new IllegalArgumentException("not a model delta (bad magic number)");
      }
      int version = in.readInt();
      if (version != VERSION) {
        throw new IllegalArgumentException("unsupported model delta version " + version);
      }
      byte[] baseDigest = in.readNBytes(32);
      if (!MessageDigest.isEqual(baseDigest, Sha256.of(base))) {
        throw new IllegalArgumentException("the delta was taken against another base artifact");
      }
      int length = in.readInt();
      int block = in.readInt();
      if (length != base.length || length > MAX_LENGTH || block < 1 || block > 1 << 20) {
        throw new IllegalArgumentException(
            "bad delta header: length " + length + ", block " + block);
      }
      int blocks = (length + block - 1) / block;
      int count = in.readInt();
      if (count < 0 || count > blocks) {
        throw new IllegalArgumentException("bad delta block count " + count);
      }
      byte[] target = base.clone();
      int previous = -1;
      for (int i = 0; i < count; i++) {
        int index = in.readInt();
        if (index <= previous || index >= blocks) {
          throw new IllegalArgumentException("bad delta block index " + index);
        }
        previous = index;
        int from = index * block;
        int size = Math.min(length, from + block) - from;
        in.readFully(target, from, size);
      }
      if (in.available() > 0) {
        throw new IllegalArgumentException("model delta has trailing bytes");
      }
      return target;
    } catch (IOException e) {
      throw new IllegalArgumentException("truncated model delta", e);
    }
  }
}
