package io.moc.ctr.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.Random;

/**
 * A feature-interaction network: from the field embeddings (B × F × D) and the offset categorical
 * indices (B × C) to one logit per example (B).
 */
abstract class CtrBackbone extends CtrBlock {

  private final CodeFusion outputFusion;
  private final int codes;

  /** Adds the code fields' fusion when it comes after the interaction. */
  CtrBackbone(CtrModelConfig config, Random random) {
    codes = config.activeCodeFields();
    CodeFusion f =
        config.fusion().afterInteraction()
            ? CodeFusion.create(
                config.fusion(), codes, config.embeddingDim(), config.fusionHidden(), random)
            : null;
    outputFusion = f == null ? null : addChildBlock("fusion", f);
  }

  /** Whether {@link #fuseCodeOutputs} changes anything. */
  boolean fusesCodeOutputs() {
    return outputFusion != null;
  }

  /**
   * The interaction's per-field output (B × F × D) with the code fields' outputs fused, when the
   * fusion comes after the interaction; {@code perField} itself otherwise.
   */
  NDArray fuseCodeOutputs(ParameterStore store, NDArray perField, boolean training) {
    return outputFusion == null
        ? perField
        : outputFusion.fuseLast(store, perField, codes, training);
  }

  /**
   * @param rows rows of the embedding table the indices address (for DeepFM's first-order weights)
   */
  static CtrBackbone create(CtrModelConfig config, long rows, DropoutMasks dropout, Random random) {
    int fields = config.interactionFields();
    return switch (config.backbone()) {
      case DEEPFM -> new DeepFm(config, fields, rows, dropout, random);
      case DCNV2 -> new DcnV2(config, fields, dropout, random);
      case AUTOINT_PLUS -> new AutoIntPlus(config, fields, dropout, random);
    };
  }

  abstract NDArray logits(
      ParameterStore store, NDArray embeddings, NDArray indices, boolean training);

  @Override
  protected NDList forwardInternal(
      ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
    return new NDList(logits(store, inputs.get(0), inputs.get(1), training));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {new Shape(inputShapes[0].get(0))};
  }
}
