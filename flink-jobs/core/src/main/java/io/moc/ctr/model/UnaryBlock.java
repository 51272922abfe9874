package io.moc.ctr.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A block of one array in and one out. Parents call {@link #apply} directly, which skips wrapping
 * every intermediate array in an {@link NDList}; DJL's {@code forward} reaches the same code.
 */
abstract class UnaryBlock extends CtrBlock {

  abstract NDArray apply(ParameterStore store, NDArray x, boolean training);

  @Override
  protected final NDList forwardInternal(
      ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
    return new NDList(apply(store, inputs.head(), training));
  }
}
