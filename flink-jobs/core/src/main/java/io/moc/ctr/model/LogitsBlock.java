package io.moc.ctr.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/** A block from an example's features to its logit: the whole network, or one of its towers. */
abstract class LogitsBlock extends CtrBlock {

  /**
   * @param indices B × C offset categorical indices
   * @param dense B × denseDimension, or null without an adapter
   * @return B logits
   */
  abstract NDArray logits(ParameterStore store, NDArray indices, NDArray dense, boolean training);

  @Override
  protected final NDList forwardInternal(
      ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
    return new NDList(
        logits(store, inputs.get(0), inputs.size() > 1 ? inputs.get(1) : null, training));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {new Shape(inputShapes[0].get(0))};
  }
}
