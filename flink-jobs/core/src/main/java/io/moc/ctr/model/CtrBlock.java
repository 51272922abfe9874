package io.moc.ctr.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import java.util.Random;

/**
 * Base of the CTR model's DJL blocks. Every parameter gets its shape when the block is built, so
 * initialisation needs no shape inference from inputs, and every initialiser draws from the model's
 * own seeded {@link Random} rather than the engine's global generator: two models in one JVM
 * (parallel Flink subtasks) then stay deterministic.
 */
abstract class CtrBlock extends AbstractBlock {

  /** Initial standard deviation of embedding rows: small, so that FM products start near 0. */
  static final float EMBEDDING_STD = 0.01f;

  Parameter parameter(String name, Parameter.Type type, Initializer initializer, long... shape) {
    return addParameter(
        Parameter.builder()
            .setName(name)
            .setType(type)
            .optShape(new Shape(shape))
            .optInitializer(initializer)
            .build());
  }

  /** Glorot-uniform for an (in × out) matrix. */
  static Initializer xavier(Random random) {
    return (manager, shape, type) -> {
      double bound = Math.sqrt(6.0 / (shape.get(0) + shape.get(shape.dimension() - 1)));
      float[] values = new float[Math.toIntExact(shape.size())];
      for (int i = 0; i < values.length; i++) {
        values[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
      }
      return manager.create(values, shape);
    };
  }

  static Initializer normal(Random random, float std) {
    return (manager, shape, type) -> {
      float[] values = new float[Math.toIntExact(shape.size())];
      for (int i = 0; i < values.length; i++) {
        values[i] = (float) (random.nextGaussian() * std);
      }
      return manager.create(values, shape);
    };
  }

  /** B × F × D as B × FD. */
  static NDArray flatten(NDArray embeddings) {
    Shape s = embeddings.getShape();
    return embeddings.reshape(s.get(0), s.get(1) * s.get(2));
  }

  /** {@code in} with its last axis replaced by one of {@code size}: what a linear layer returns. */
  static Shape withLastAxis(Shape in, long size) {
    return in.slice(0, in.dimension() - 1).add(size);
  }

  static NDArray value(ParameterStore store, Parameter parameter, NDArray like, boolean training) {
    return store.getValue(parameter, like.getDevice(), training);
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    // Shapes are fixed at construction: the children only need their arrays created.
    for (Block child : getChildren().values()) {
      child.initialize(manager, dataType, inputShapes);
    }
  }
}
