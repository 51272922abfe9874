package io.moc.ctr.model;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Settings of a {@link CtrModel}: its input fields, item representation, fusion module, backbone
 * and optimiser.
 *
 * <p>Every batch carries all {@link #fields()} in this order; the representation decides which of
 * them the model reads (see {@link #activeFields()}), so one dataset serves every variant.
 *
 * @param fields the categorical fields of a batch, in column order
 * @param denseDimension width of the dense input (raw text embedding) read by {@link
 *     ItemRepresentation#ADAPTER}; 0 when there is none
 * @param embeddingDim width D of every field embedding
 * @param backbone the feature-interaction network
 * @param representation how an item is represented
 * @param fusion how the code-field embeddings are mixed before the interaction
 * @param embeddingSets number of embedding sets (the ME scale); 1 unless {@link
 *     ItemRepresentation#MULTI_EMBEDDING}
 * @param fusionHidden bottleneck width of the GATE and MLP fusion modules
 * @param mlpSizes hidden layer widths of the deep MLP of every backbone
 * @param crossLayers DCNv2 cross layers
 * @param attentionLayers AutoInt+ interacting layers
 * @param attentionHeads AutoInt+ heads per interacting layer; divides {@code embeddingDim}
 * @param adapterHidden hidden width of the ADAPTER's MLP
 * @param dropout dropout rate of the hidden layers of the MLPs during training
 * @param learningRate Adam learning rate
 * @param weightDecay decoupled (AdamW) weight decay; 0 is plain Adam
 * @param seed seeds weight initialisation and dropout masks
 */
public record CtrModelConfig(
    List<Field> fields,
    int denseDimension,
    int embeddingDim,
    Backbone backbone,
    ItemRepresentation representation,
    Fusion fusion,
    int embeddingSets,
    int fusionHidden,
    List<Integer> mlpSizes,
    int crossLayers,
    int attentionLayers,
    int attentionHeads,
    int adapterHidden,
    float dropout,
    float learningRate,
    float weightDecay,
    long seed) {

  /** Bounds that keep a corrupted or hostile artifact from allocating without limit. */
  static final int MAX_FIELDS = 256;

  static final int MAX_VOCABULARY = 1 << 28;
  static final int MAX_WIDTH = 1 << 14;

  /** The feature-interaction network. */
  public enum Backbone {
    /** FM second-order term over field embeddings + first-order term + deep MLP. */
    DEEPFM,
    /** Full-rank cross network v2, stacked with a deep MLP. */
    DCNV2,
    /** Multi-head self-attention interacting layers in parallel with a deep MLP. */
    AUTOINT_PLUS
  }

  /** How an item enters the model besides the user and context fields. */
  public enum ItemRepresentation {
    /** Item id, brand, category only: no semantic features. */
    NONE,
    /** Semantic codes (MoC, RQ-VAE or PQ) as extra categorical fields. */
    CODES,
    /** Codes with {@link #embeddingSets} embedding sets, each with its own interaction. */
    MULTI_EMBEDDING,
    /** An MLP projecting the dense text embedding into one extra field embedding. */
    ADAPTER,
    /** A small hashed item id instead of the full id, together with the codes. */
    UNIFIED,
    /**
     * The ADAPTER's MLP over the item's chosen code vectors (concatenated in codebook order, looked
     * up in the codebook's vectors that the model carries) instead of its text embedding: what the
     * adapter knows, recovered from the M codes the item already has. The code fields are read as
     * indices into those vectors, not embedded.
     */
    CODE_VECTORS,
    /**
     * CODES and ADAPTER together: the code fields embedded (and fused) as CODES reads them, and the
     * ADAPTER's extra field over the dense input, placed before the code fields so that the fusion
     * still reads the last fields.
     */
    CODES_AND_ADAPTER,
    /**
     * CODES_AND_ADAPTER with CODE_VECTORS' dense input: the code fields embedded and fused, and the
     * adapter's field over the item's chosen code vectors, which the model carries. The grid's
     * moc-mlp-dense, from the codes alone.
     */
    CODES_AND_CODE_VECTORS;

    /** Whether the representation embeds the CODE fields (and so may fuse them). */
    public boolean embedsCodes() {
      return this == CODES
          || this == MULTI_EMBEDDING
          || this == UNIFIED
          || this == CODES_AND_ADAPTER
          || this == CODES_AND_CODE_VECTORS;
    }
  }

  /**
   * The module that mixes the code fields, and where: on their embeddings before the interaction
   * (the Mixture-of-Codes placement), or on their outputs of the interaction.
   */
  public enum Fusion {
    /** The code embeddings enter the interaction as they are (concatenation). */
    NONE,
    /** Self-gating bottleneck: x ⊙ σ(W₂ ReLU(W₁ x + b₁) + b₂) over the concatenated codes. */
    GATE,
    /** W₂ ReLU(W₁ x + b₁) + b₂ over the concatenated codes. */
    MLP,
    /** Residual single-head self-attention across the code embeddings. */
    ATTENTION,
    /**
     * GATE's module after the interaction: the code embeddings enter it as they are, and the gate
     * rescales the code fields' per-field outputs (DCNv2's cross output, AutoInt+'s attention
     * output, DeepFM's per-field FM terms e_f ⊙ Σ_{g≠f} e_g) before the layers that read them.
     */
    GATE_AFTER,
    /** MLP's module after the interaction, on the code fields' outputs as GATE_AFTER. */
    MLP_AFTER;

    /** Whether the module reads the code fields' outputs of the interaction. */
    public boolean afterInteraction() {
      return this == GATE_AFTER || this == MLP_AFTER;
    }
  }

  /** What a field describes; decides in which representations it is read. */
  public enum FieldRole {
    USER,
    /** The full item id: read by every representation but UNIFIED. */
    ITEM_ID,
    /** A hashed item id with few buckets: read by UNIFIED only. */
    HASHED_ITEM_ID,
    BRAND,
    CATEGORY,
    /** One semantic code (one codebook or level): read by CODES, MULTI_EMBEDDING and UNIFIED. */
    CODE,
    /** Any other context feature: always read. */
    CONTEXT
  }

  /**
   * One categorical field.
   *
   * @param vocabularySize number of indices, index 0 meaning unknown: a field's values lie in [0,
   *     vocabularySize)
   */
  public record Field(String name, FieldRole role, int vocabularySize) {
    public Field {
      if (name == null || name.isEmpty() || role == null) {
        throw new IllegalArgumentException("a field needs a name and a role");
      }
      // 1 is a field whose every value is unknown (a catalog without brands): a constant input.
      if (vocabularySize < 1 || vocabularySize > MAX_VOCABULARY) {
        throw new IllegalArgumentException(
            "field " + name + ": vocabulary size must be in [1, 2^28], is " + vocabularySize);
      }
    }
  }

  public CtrModelConfig {
    fields = List.copyOf(fields);
    mlpSizes = List.copyOf(mlpSizes);
    if (backbone == null || representation == null || fusion == null) {
      throw new IllegalArgumentException("backbone, representation and fusion are required");
    }
    if (fields.isEmpty() || fields.size() > MAX_FIELDS) {
      throw new IllegalArgumentException("1 to " + MAX_FIELDS + " fields");
    }
    Set<String> names = new HashSet<>();
    Map<FieldRole, Integer> roles = new EnumMap<>(FieldRole.class);
    for (Field f : fields) {
      if (!names.add(f.name())) {
        throw new IllegalArgumentException("duplicate field " + f.name());
      }
      roles.merge(f.role(), 1, Integer::sum);
    }
    if (roles.getOrDefault(FieldRole.ITEM_ID, 0) > 1
        || roles.getOrDefault(FieldRole.HASHED_ITEM_ID, 0) > 1) {
      throw new IllegalArgumentException("at most one item id and one hashed item id field");
    }
    int codes = roles.getOrDefault(FieldRole.CODE, 0);
    boolean readsCodes = representation.embedsCodes();
    if (readsCodes && codes == 0) {
      throw new IllegalArgumentException(representation + " needs at least one CODE field");
    }
    if (representation == ItemRepresentation.UNIFIED
        && !roles.containsKey(FieldRole.HASHED_ITEM_ID)) {
      throw new IllegalArgumentException("UNIFIED needs a HASHED_ITEM_ID field");
    }
    if (denseDimension < 0 || denseDimension > MAX_WIDTH) {
      throw new IllegalArgumentException("dense dimension out of range: " + denseDimension);
    }
    if ((representation == ItemRepresentation.ADAPTER
            || representation == ItemRepresentation.CODES_AND_ADAPTER)
        && denseDimension == 0) {
      throw new IllegalArgumentException(
          representation + " needs a dense input (dense dimension > 0)");
    }
    if ((representation == ItemRepresentation.CODE_VECTORS
            || representation == ItemRepresentation.CODES_AND_CODE_VECTORS)
        && (codes == 0 || denseDimension == 0 || denseDimension % codes != 0)) {
      throw new IllegalArgumentException(
          representation
              + " needs CODE fields and a dense dimension of the code vectors' width times their"
              + " number");
    }
    if (fusion != Fusion.NONE && !readsCodes) {
      throw new IllegalArgumentException(fusion + " fusion needs a representation with codes");
    }
    if (representation == ItemRepresentation.MULTI_EMBEDDING
        ? embeddingSets < 2 || embeddingSets > 64
        : embeddingSets != 1) {
      throw new IllegalArgumentException(
          "MULTI_EMBEDDING needs 2 to 64 embedding sets, every other representation 1");
    }
    for (int w :
        new int[] {embeddingDim, fusionHidden, adapterHidden, attentionHeads, crossLayers + 1}) {
      if (w < 1 || w > MAX_WIDTH) {
        throw new IllegalArgumentException("widths must be in [1, 2^14]");
      }
    }
    if (attentionLayers < 1 || attentionLayers > 64 || crossLayers > 64) {
      throw new IllegalArgumentException("1 to 64 attention layers, 0 to 64 cross layers");
    }
    if (embeddingDim % attentionHeads != 0) {
      throw new IllegalArgumentException("attention heads must divide the embedding dimension");
    }
    if (mlpSizes.size() > 16) {
      throw new IllegalArgumentException("at most 16 MLP layers");
    }
    for (int s : mlpSizes) {
      if (s < 1 || s > MAX_WIDTH) {
        throw new IllegalArgumentException("MLP widths must be in [1, 2^14]");
      }
    }
    if (!(dropout >= 0 && dropout < 1)) {
      throw new IllegalArgumentException("dropout must be in [0, 1)");
    }
    if (!(learningRate > 0) || !Float.isFinite(learningRate) || !(weightDecay >= 0)) {
      throw new IllegalArgumentException("learning rate must be > 0 and weight decay >= 0");
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from this configuration. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.fields.addAll(fields);
    b.denseDimension = denseDimension;
    b.embeddingDim = embeddingDim;
    b.backbone = backbone;
    b.representation = representation;
    b.fusion = fusion;
    b.embeddingSets = embeddingSets;
    b.fusionHidden = fusionHidden;
    b.mlpSizes = mlpSizes;
    b.crossLayers = crossLayers;
    b.attentionLayers = attentionLayers;
    b.attentionHeads = attentionHeads;
    b.adapterHidden = adapterHidden;
    b.dropout = dropout;
    b.learningRate = learningRate;
    b.weightDecay = weightDecay;
    b.seed = seed;
    return b;
  }

  /** Whether the representation reads a field of this role. */
  public boolean reads(FieldRole role) {
    return switch (role) {
      case CODE -> representation.embedsCodes();
      case ITEM_ID -> representation != ItemRepresentation.UNIFIED;
      case HASHED_ITEM_ID -> representation == ItemRepresentation.UNIFIED;
      case USER, BRAND, CATEGORY, CONTEXT -> true;
    };
  }

  /**
   * The column indices (into {@link #fields()}) the model reads, in the order its interaction sees
   * them: every other field first, then the code fields, each group in column order.
   */
  public int[] activeFields() {
    List<Integer> active = new ArrayList<>();
    for (boolean code : new boolean[] {false, true}) {
      for (int i = 0; i < fields.size(); i++) {
        FieldRole role = fields.get(i).role();
        if ((role == FieldRole.CODE) == code && reads(role)) {
          active.add(i);
        }
      }
    }
    return active.stream().mapToInt(Integer::intValue).toArray();
  }

  /** Code fields the model reads. */
  public int activeCodeFields() {
    return reads(FieldRole.CODE)
        ? (int) fields.stream().filter(f -> f.role() == FieldRole.CODE).count()
        : 0;
  }

  /** Field embeddings the interaction sees: the active fields, plus one for the adapter. */
  public int interactionFields() {
    return activeFields().length + (hasAdapter() ? 1 : 0);
  }

  /** Whether an MLP turns a dense input (text embedding or code vectors) into one more field. */
  public boolean hasAdapter() {
    return representation == ItemRepresentation.ADAPTER
        || representation == ItemRepresentation.CODE_VECTORS
        || representation == ItemRepresentation.CODES_AND_ADAPTER
        || representation == ItemRepresentation.CODES_AND_CODE_VECTORS;
  }

  /**
   * Whether the model carries its codebook version's code vectors and builds the adapter's input
   * from the item's codes (CODE_VECTORS, CODES_AND_CODE_VECTORS).
   */
  public boolean carriesCodeVectors() {
    return representation == ItemRepresentation.CODE_VECTORS
        || representation == ItemRepresentation.CODES_AND_CODE_VECTORS;
  }

  /** Builds a {@link CtrModelConfig}; defaults suit a small model (D = 16, MLP 64-32, DeepFM). */
  public static final class Builder {
    private final List<Field> fields = new ArrayList<>();
    private int denseDimension = 0;
    private int embeddingDim = 16;
    private Backbone backbone = Backbone.DEEPFM;
    private ItemRepresentation representation = ItemRepresentation.CODES;
    private Fusion fusion = Fusion.NONE;
    private int embeddingSets = 1;
    private Integer fusionHidden;
    private List<Integer> mlpSizes = List.of(64, 32);
    private int crossLayers = 2;
    private int attentionLayers = 2;
    private int attentionHeads = 2;
    private int adapterHidden = 64;
    private float dropout = 0f;
    private float learningRate = 1e-3f;
    private float weightDecay = 0f;
    private long seed = 42L;

    private Builder() {}

    public Builder field(String name, FieldRole role, int vocabularySize) {
      fields.add(new Field(name, role, vocabularySize));
      return this;
    }

    public Builder user(int vocabularySize) {
      return field("user", FieldRole.USER, vocabularySize);
    }

    public Builder itemId(int vocabularySize) {
      return field("item", FieldRole.ITEM_ID, vocabularySize);
    }

    /** {@code buckets} hash buckets plus index 0 for unknown. */
    public Builder hashedItemId(int buckets) {
      return field("item_hash", FieldRole.HASHED_ITEM_ID, buckets + 1);
    }

    public Builder brand(int vocabularySize) {
      return field("brand", FieldRole.BRAND, vocabularySize);
    }

    public Builder category(int vocabularySize) {
      return field("category", FieldRole.CATEGORY, vocabularySize);
    }

    /**
     * M code fields {@code code0 … code(M-1)} of vocabulary K + 1: code c is index c + 1, index 0
     * means the item has no codes (yet).
     */
    public Builder codes(int m, int k) {
      for (int i = 0; i < m; i++) {
        field("code" + i, FieldRole.CODE, k + 1);
      }
      return this;
    }

    public Builder denseDimension(int d) {
      denseDimension = d;
      return this;
    }

    public Builder embeddingDim(int d) {
      embeddingDim = d;
      return this;
    }

    public Builder backbone(Backbone b) {
      backbone = b;
      return this;
    }

    public Builder representation(ItemRepresentation r) {
      representation = r;
      return this;
    }

    public Builder fusion(Fusion f) {
      fusion = f;
      return this;
    }

    public Builder embeddingSets(int sets) {
      embeddingSets = sets;
      return this;
    }

    /** Defaults to half the width of the concatenated code embeddings (at least 4). */
    public Builder fusionHidden(int width) {
      fusionHidden = width;
      return this;
    }

    public Builder mlpSizes(int... sizes) {
      mlpSizes = java.util.Arrays.stream(sizes).boxed().toList();
      return this;
    }

    public Builder crossLayers(int layers) {
      crossLayers = layers;
      return this;
    }

    public Builder attention(int layers, int heads) {
      attentionLayers = layers;
      attentionHeads = heads;
      return this;
    }

    public Builder adapterHidden(int width) {
      adapterHidden = width;
      return this;
    }

    public Builder dropout(float rate) {
      dropout = rate;
      return this;
    }

    public Builder learningRate(float lr) {
      learningRate = lr;
      return this;
    }

    public Builder weightDecay(float decay) {
      weightDecay = decay;
      return this;
    }

    public Builder seed(long s) {
      seed = s;
      return this;
    }

    public CtrModelConfig build() {
      long codes = fields.stream().filter(f -> f.role() == FieldRole.CODE).count();
      int hidden =
          fusionHidden != null ? fusionHidden : (int) Math.max(4, codes * embeddingDim / 2);
      return new CtrModelConfig(
          fields,
          denseDimension,
          embeddingDim,
          backbone,
          representation,
          fusion,
          embeddingSets,
          hidden,
          mlpSizes,
          crossLayers,
          attentionLayers,
          attentionHeads,
          adapterHidden,
          dropout,
          learningRate,
          weightDecay,
          seed);
    }
  }
}
