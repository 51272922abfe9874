package io.moc.ctr.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;
import java.util.Random;

/** x W (+ b) over the last axis of x, W of shape (in × out). */
final class Dense extends CtrBlock {

  private final int out;
  private final Parameter weight;
  private final Parameter bias;

  Dense(int in, int out, boolean withBias, Random random) {
    this.out = out;
    this.weight = parameter("weight", Parameter.Type.WEIGHT, xavier(random), in, out);
    this.bias = withBias ? parameter("bias", Parameter.Type.BIAS, Initializer.ZEROS, out) : null;
  }

  NDArray apply(ParameterStore store, NDArray x, boolean training) {
    NDArray y = x.matMul(value(store, weight, x, training));
    return bias == null ? y : y.add(value(store, bias, x, training));
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
    return new NDList(apply(store, inputs.head(), training));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape in = inputShapes[0];
    return new Shape[] {in.slice(0, in.dimension() - 1).add(out)};
  }
}
