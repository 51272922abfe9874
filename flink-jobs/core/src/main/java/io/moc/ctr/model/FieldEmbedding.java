package io.moc.ctr.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;

/**
 * The embedding tables of all fields as one (rows × width) table; callers offset each field's
 * indices by the rows of the fields before it, so a batch costs one gather instead of one per
 * field.
 */
final class FieldEmbedding extends UnaryBlock {

  private final int width;
  private final Parameter table;

  FieldEmbedding(String name, long rows, int width, Initializer initializer) {
    this.width = width;
    this.table = parameter(name, Parameter.Type.WEIGHT, initializer, rows, width);
  }

  /** The rows × width table, row r belonging to offset index r. */
  Parameter table() {
    return table;
  }

  /** Rows of {@code indices} (B × F, int64, offset): B × F × width. */
  @Override
  NDArray apply(ParameterStore store, NDArray indices, boolean training) {
    return value(store, table, indices, training).get(indices);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {inputShapes[0].add(width)};
  }
}
