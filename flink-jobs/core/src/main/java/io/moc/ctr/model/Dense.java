package io.moc.ctr.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import java.util.Random;

/** x W (+ b) over the last axis of x, W of shape (in × out). */
final class Dense extends UnaryBlock {

  private final int out;
  private final Parameter weight;
  private final Parameter bias;

  Dense(int in, int out, boolean withBias, Random random) {
    this.out = out;
    this.weight = parameter("weight", Parameter.Type.WEIGHT, xavier(random), in, out);
    this.bias = withBias ? parameter("bias", Parameter.Type.BIAS, Initializer.ZEROS, out) : null;
  }

  @Override
  NDArray apply(ParameterStore store, NDArray x, boolean training) {
    NDArray y = x.matMul(value(store, weight, x, training));
    return bias == null ? y : y.add(value(store, bias, x, training));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {withLastAxis(inputShapes[0], out)};
  }
}
