package io.moc.ctr.eval;

import io.moc.codebook.ProjectedKMeansCodebook;
import io.moc.codebook.vq.VqCodebook;
import io.moc.ctr.model.CtrModelConfig.Fusion;
import io.moc.ctr.model.CtrModelConfig.ItemRepresentation;
import java.util.List;

/**
 * One item representation of the evaluation grid: how the model sees items, and which codebook
 * method (if any) makes the codes it reads. Scale means codes per item for code methods and
 * embedding sets for Multi-Embedding, which scales the embeddings of a fixed set of semantic ids
 * (RQ-VAE codes, {@value #ME_CODES} levels) as the Mixture-of-Codes paper's ME baseline does;
 * methods without a scale run at 1x only.
 *
 * @param codes the codebook method of the codes, or null when the representation reads none
 * @param denseFromCodes the adapter (of ADAPTER or CODES_AND_ADAPTER) reads the item's chosen code
 *     vectors (concatenated, as {@link io.moc.codebook.Codebook#represent} gives them) instead of
 *     its text embedding: what the adapter knows, recovered from M small integers and the codebook
 * @param initFromCodebook code embedding rows start from the codebook's vectors (a fixed random
 *     projection to the field width, at the initialiser's scale) instead of at random, so that a
 *     rare code starts where its meaning is
 * @param coClickWeight weight of the co-click term of the method's VQ-VAE codebook (0: none),
 *     trained on pairs of items that users clicked one after the other in the training period, so
 *     that the codes carry a signal from the clicks as well as the text
 */
public record EvalMethod(
    String name,
    ItemRepresentation representation,
    Fusion fusion,
    String codes,
    boolean scaled,
    boolean denseFromCodes,
    boolean initFromCodebook,
    float coClickWeight) {

  public EvalMethod(
      String name, ItemRepresentation representation, Fusion fusion, String codes, boolean scaled) {
    this(name, representation, fusion, codes, scaled, false, false, 0f);
  }

  public EvalMethod {
    if (coClickWeight != 0 && (codes == null || !VqCodebook.METHODS.contains(codes))) {
      throw new IllegalArgumentException("only VQ-VAE codebooks learn from co-clicks: " + name);
    }
  }

  /** The co-click weight of the {@code -cc} methods; {@code -cc-strong} weighs it ten times. */
  public static final float CO_CLICK_WEIGHT = 0.1f;

  /** Semantic-id length of the Multi-Embedding baseline. */
  public static final int ME_CODES = 3;

  /** Every method of the grid, baselines first. */
  public static final List<EvalMethod> ALL =
      List.of(
          new EvalMethod("none", ItemRepresentation.NONE, Fusion.NONE, null, false),
          new EvalMethod("adapter", ItemRepresentation.ADAPTER, Fusion.NONE, null, false),
          new EvalMethod(
              "me", ItemRepresentation.MULTI_EMBEDDING, Fusion.NONE, VqCodebook.RQVAE, true),
          new EvalMethod(
              "pq", ItemRepresentation.CODES, Fusion.NONE, ProjectedKMeansCodebook.PQ, true),
          new EvalMethod("rqvae", ItemRepresentation.CODES, Fusion.NONE, VqCodebook.RQVAE, true),
          new EvalMethod("moc", ItemRepresentation.CODES, Fusion.GATE, VqCodebook.MOC, true),
          new EvalMethod(
              "moc-heads", ItemRepresentation.CODES, Fusion.GATE, VqCodebook.MOC_HEADS, true),
          new EvalMethod("moc-concat", ItemRepresentation.CODES, Fusion.NONE, VqCodebook.MOC, true),
          new EvalMethod("moc-mlp", ItemRepresentation.CODES, Fusion.MLP, VqCodebook.MOC, true),
          new EvalMethod(
              "moc-attention", ItemRepresentation.CODES, Fusion.ATTENTION, VqCodebook.MOC, true),
          new EvalMethod("unified", ItemRepresentation.UNIFIED, Fusion.GATE, VqCodebook.MOC, true),
          new EvalMethod(
              "moc-dense",
              ItemRepresentation.ADAPTER,
              Fusion.NONE,
              VqCodebook.MOC,
              true,
              true,
              false,
              0f),
          new EvalMethod(
              "moc-init",
              ItemRepresentation.CODES,
              Fusion.GATE,
              VqCodebook.MOC,
              true,
              false,
              true,
              0f),
          new EvalMethod(
              "moc-mlp-init",
              ItemRepresentation.CODES,
              Fusion.MLP,
              VqCodebook.MOC,
              true,
              false,
              true,
              0f),
          new EvalMethod(
              "moc-after", ItemRepresentation.CODES, Fusion.GATE_AFTER, VqCodebook.MOC, true),
          new EvalMethod(
              "moc-mlp-after", ItemRepresentation.CODES, Fusion.MLP_AFTER, VqCodebook.MOC, true),
          new EvalMethod(
              "moc-mlp-dense",
              ItemRepresentation.CODES_AND_ADAPTER,
              Fusion.MLP,
              VqCodebook.MOC,
              true,
              true,
              false,
              0f),
          new EvalMethod(
              "moc-mlp-dense-init",
              ItemRepresentation.CODES_AND_ADAPTER,
              Fusion.MLP,
              VqCodebook.MOC,
              true,
              true,
              true,
              0f),
          new EvalMethod(
              "moc-mlp-dense-cc",
              ItemRepresentation.CODES_AND_ADAPTER,
              Fusion.MLP,
              VqCodebook.MOC,
              true,
              true,
              false,
              CO_CLICK_WEIGHT),
          new EvalMethod(
              "moc-mlp-dense-cc-strong",
              ItemRepresentation.CODES_AND_ADAPTER,
              Fusion.MLP,
              VqCodebook.MOC,
              true,
              true,
              false,
              10 * CO_CLICK_WEIGHT));

  public static EvalMethod named(String name) {
    return ALL.stream()
        .filter(m -> m.name.equals(name))
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "unknown method "
                        + name
                        + "; known: "
                        + ALL.stream().map(EvalMethod::name).toList()));
  }

  /** Whether the method runs at this scale: 1x only without a scale; ME needs two sets or more. */
  public boolean runsAt(int scale) {
    if (!scaled) {
      return scale == 1;
    }
    return representation != ItemRepresentation.MULTI_EMBEDDING || scale >= 2;
  }

  /** Codes per item at {@code scale}. */
  public int codebooks(int scale) {
    return representation == ItemRepresentation.MULTI_EMBEDDING ? ME_CODES : scale;
  }

  /** Whether the codes learn from co-clicks as well as from the text. */
  public boolean coClicks() {
    return coClickWeight > 0;
  }

  public boolean readsText() {
    return representation == ItemRepresentation.ADAPTER && !denseFromCodes;
  }
}
