package io.moc.ctr.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Hidden layers with ReLU and dropout, then an optional linear output layer. */
final class Mlp extends UnaryBlock {

  private final List<Dense> hidden = new ArrayList<>();
  private final Dense output;
  private final DropoutMasks dropout;
  private final int width;

  /**
   * @param out width of the linear output layer; 0 for none (the last hidden layer is the output)
   */
  Mlp(int in, List<Integer> sizes, int out, DropoutMasks dropout, Random random) {
    this.dropout = dropout;
    int width = in;
    for (int i = 0; i < sizes.size(); i++) {
      hidden.add(addChildBlock("hidden" + i, new Dense(width, sizes.get(i), true, random)));
      width = sizes.get(i);
    }
    this.output = out > 0 ? addChildBlock("output", new Dense(width, out, true, random)) : null;
    this.width = out > 0 ? out : width;
  }

  /** Width of what {@link #apply} returns. */
  int width() {
    return width;
  }

  @Override
  NDArray apply(ParameterStore store, NDArray x, boolean training) {
    for (Dense layer : hidden) {
      x = dropout.apply(Activation.relu(layer.apply(store, x, training)), training);
    }
    return output == null ? x : output.apply(store, x, training);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {withLastAxis(inputShapes[0], width)};
  }
}
