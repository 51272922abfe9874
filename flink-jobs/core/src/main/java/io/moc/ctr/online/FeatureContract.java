package io.moc.ctr.online;

import io.moc.ctr.model.CtrBatch;
import io.moc.ctr.model.CtrModel;
import io.moc.ctr.model.CtrModelConfig;
import io.moc.ctr.model.CtrModelConfig.FieldRole;
import io.moc.ctr.model.CtrModelConfig.ItemRepresentation;
import io.moc.util.Murmur3;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.List;

/**
 * How (user id, item id, codes) become a model's input, the one code path of trainer and scorers:
 * ids arrive live, so there is no vocabulary; each is hashed into a fixed number of buckets, index
 * 0 meaning unknown (no id), and code c of codebook m is index c + 1 (0: no codes). Columns: user,
 * item, code0 … code(M-1).
 *
 * @param codebookVersion the version whose codes the model reads; codes of any other version mean
 *     something else
 * @param userBuckets hash buckets of the user id
 * @param itemBuckets hash buckets of the item id (few for the UNIFIED representation's hashed id)
 * @param codebooks M, codes per item
 * @param codebookSize K, codes per codebook
 */
public record FeatureContract(
    long codebookVersion, int userBuckets, int itemBuckets, int codebooks, int codebookSize) {

  /**
   * The hash, named in every artifact: a scorer that hashed differently would silently read other
   * users' and items' embeddings.
   */
  public static final String HASH = "murmur3_x86_32/utf-8/seed-0";

  private static final int MAX_BUCKETS = 1 << 26;

  public FeatureContract {
    if (userBuckets < 1 || userBuckets > MAX_BUCKETS || itemBuckets < 1) {
      throw new IllegalArgumentException("1 to 2^26 user buckets, at least 1 item bucket");
    }
    if (itemBuckets > MAX_BUCKETS || codebooks < 1 || codebooks > 64 || codebookSize < 1) {
      throw new IllegalArgumentException("1 to 2^26 item buckets, 1 to 64 codebooks, K >= 1");
    }
  }

  /** The same features for codes of another codebook version. */
  public FeatureContract withCodebookVersion(long version) {
    return new FeatureContract(version, userBuckets, itemBuckets, codebooks, codebookSize);
  }

  /**
   * A model configuration reading this contract's columns, to be completed (backbone, fusion,
   * widths, optimiser): UNIFIED reads the item column as a hashed id, every other representation as
   * an item id.
   */
  public CtrModelConfig.Builder modelConfig(ItemRepresentation representation) {
    CtrModelConfig.Builder builder =
        CtrModelConfig.builder().representation(representation).user(userBuckets + 1);
    builder =
        representation == ItemRepresentation.UNIFIED
            ? builder.hashedItemId(itemBuckets)
            : builder.itemId(itemBuckets + 1);
    return builder.codes(codebooks, codebookSize);
  }

  /**
   * @throws IllegalArgumentException when the model's columns are not this contract's
   */
  public void check(CtrModelConfig config) {
    if (config.representation() == ItemRepresentation.ADAPTER
        || config.representation() == ItemRepresentation.CODES_AND_ADAPTER) {
      throw new IllegalArgumentException(
          "the contract carries no dense input for " + config.representation());
    }
    List<CtrModelConfig.Field> fields = config.fields();
    boolean fits =
        fields.size() == 2 + codebooks
            && fields.get(0).role() == FieldRole.USER
            && fields.get(0).vocabularySize() == userBuckets + 1
            && (fields.get(1).role() == FieldRole.ITEM_ID
                || fields.get(1).role() == FieldRole.HASHED_ITEM_ID)
            && fields.get(1).vocabularySize() == itemBuckets + 1;
    for (int m = 0; fits && m < codebooks; m++) {
      CtrModelConfig.Field f = fields.get(2 + m);
      fits = f.role() == FieldRole.CODE && f.vocabularySize() == codebookSize + 1;
    }
    if (!fits) {
      throw new IllegalArgumentException("model fields " + fields + " do not fit " + this);
    }
  }

  /**
   * @throws IllegalArgumentException when the model's columns or codebook version are not this
   *     contract's
   */
  public void check(CtrModel model) {
    check(model.config());
    if (model.codebookVersion() != codebookVersion) {
      throw new IllegalArgumentException(
          "model reads codes of version "
              + model.codebookVersion()
              + ", the contract "
              + codebookVersion);
    }
  }

  public int userIndex(String userId) {
    return bucket(userId, userBuckets);
  }

  public int itemIndex(String itemId) {
    return bucket(itemId, itemBuckets);
  }

  private static int bucket(String id, int buckets) {
    if (id == null || id.isEmpty()) {
      return 0;
    }
    return 1 + (int) Integer.remainderUnsigned(Murmur3.hash32(id, 0), buckets);
  }

  /**
   * One model input row.
   *
   * @param codes the item's M codes of {@link #codebookVersion()}, each in [0, K); null when the
   *     item has none (yet)
   * @throws IllegalArgumentException for a code count other than M or a code outside [0, K)
   */
  public int[] row(String userId, String itemId, int[] codes) {
    int[] row = new int[2 + codebooks];
    row[0] = userIndex(userId);
    row[1] = itemIndex(itemId);
    if (codes != null) {
      if (codes.length != codebooks) {
        throw new IllegalArgumentException(codes.length + " codes, the contract has " + codebooks);
      }
      for (int m = 0; m < codebooks; m++) {
        if (codes[m] < 0 || codes[m] >= codebookSize) {
          throw new IllegalArgumentException(
              "code " + codes[m] + " outside [0, " + codebookSize + ")");
        }
        row[2 + m] = codes[m] + 1;
      }
    }
    return row;
  }

  /**
   * Click probabilities from {@code model}, whose contract this must be.
   *
   * @param codes per example, as for {@link #row}
   */
  public float[] score(CtrModel model, String[] userIds, String[] itemIds, int[][] codes) {
    if (userIds.length != itemIds.length || userIds.length != codes.length) {
      throw new IllegalArgumentException("user ids, item ids and codes differ in length");
    }
    int[][] rows = new int[userIds.length][];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = row(userIds[i], itemIds[i], codes[i]);
    }
    return model.predict(CtrBatch.of(rows, null));
  }

  void writeTo(DataOutput out) throws IOException {
    out.writeUTF(HASH);
    out.writeLong(codebookVersion);
    out.writeInt(userBuckets);
    out.writeInt(itemBuckets);
    out.writeInt(codebooks);
    out.writeInt(codebookSize);
  }

  static FeatureContract readFrom(DataInput in) throws IOException {
    String hash = in.readUTF();
    if (!HASH.equals(hash)) {
      throw new IllegalArgumentException("ids hashed with " + hash + ", this code uses " + HASH);
    }
    return new FeatureContract(
        in.readLong(), in.readInt(), in.readInt(), in.readInt(), in.readInt());
  }
}
