package io.moc.ctr.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.ParameterStore;
import io.moc.ctr.model.CtrModelConfig.Fusion;
import java.util.Random;

/**
 * Mixes the M code fields of an item (B × M × D in, B × M × D out), so that codes of different
 * codebooks can exchange information: their embeddings before the backbone's interaction, or their
 * outputs of it ({@link Fusion#afterInteraction()}); the other fields pass by unchanged.
 */
abstract class CodeFusion extends UnaryBlock {

  /** The fusion module for {@code fusion}; null for {@link Fusion#NONE} (plain concatenation). */
  static CodeFusion create(Fusion fusion, int codes, int dim, int hidden, Random random) {
    return switch (fusion) {
      case NONE -> null;
      case GATE, GATE_AFTER -> new Gate(codes, dim, hidden, random);
      case MLP, MLP_AFTER -> new Bottleneck(codes, dim, hidden, random);
      case ATTENTION -> new Attention(dim, random);
    };
  }

  /** {@code fields} (B × F × D) with its last {@code codes} fields passed through this module. */
  NDArray fuseLast(ParameterStore store, NDArray fields, int codes, boolean training) {
    long others = fields.getShape().get(1) - codes;
    NDArray fused = apply(store, fields.get(new NDIndex(":, {}:", others)), training);
    return others == 0
        ? fused
        : NDArrays.concat(new NDList(fields.get(new NDIndex(":, :{}", others)), fused), 1);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {inputShapes[0]};
  }

  /**
   * W₂ ReLU(W₁ x + b₁) + b₂ over the concatenation x (B × MD) of the code embeddings, through a
   * bottleneck of width {@code hidden}; what becomes of it is the subclass's choice.
   */
  abstract static class OverConcatenation extends CodeFusion {
    private final Dense down;
    private final Dense up;

    OverConcatenation(int codes, int dim, int hidden, Random random) {
      down = addChildBlock("down", new Dense(codes * dim, hidden, true, random));
      up = addChildBlock("up", new Dense(hidden, codes * dim, true, random));
    }

    /** The B × MD output from the concatenation {@code x} and the bottleneck's {@code mixed}. */
    abstract NDArray combine(NDArray x, NDArray mixed);

    @Override
    final NDArray apply(ParameterStore store, NDArray codes, boolean training) {
      NDArray x = flatten(codes);
      NDArray mixed = up.apply(store, Activation.relu(down.apply(store, x, training)), training);
      return combine(x, mixed).reshape(codes.getShape());
    }
  }

  /**
   * The Mixture-of-Codes self-gating bottleneck: g = σ(W₂ ReLU(W₁ x + b₁) + b₂), output x ⊙ g. The
   * bottleneck (width {@code hidden} < MD) forces the gate to summarise all codes jointly, so each
   * code's embedding is rescaled by what the others say.
   */
  static final class Gate extends OverConcatenation {
    Gate(int codes, int dim, int hidden, Random random) {
      super(codes, dim, hidden, random);
    }

    @Override
    NDArray combine(NDArray x, NDArray mixed) {
      return x.mul(Activation.sigmoid(mixed));
    }
  }

  /** The MLP alternative: W₂ ReLU(W₁ x + b₁) + b₂ replaces the concatenation x, no gate. */
  static final class Bottleneck extends OverConcatenation {
    Bottleneck(int codes, int dim, int hidden, Random random) {
      super(codes, dim, hidden, random);
    }

    @Override
    NDArray combine(NDArray x, NDArray mixed) {
      return mixed;
    }
  }

  /**
   * The attention alternative: single-head scaled dot-product self-attention across the M code
   * embeddings, added to them (residual), so that with weak attention the codes pass unchanged.
   */
  static final class Attention extends CodeFusion {
    private final Dense query;
    private final Dense key;
    private final Dense value;
    private final float scale;

    Attention(int dim, Random random) {
      query = addChildBlock("query", new Dense(dim, dim, false, random));
      key = addChildBlock("key", new Dense(dim, dim, false, random));
      value = addChildBlock("value", new Dense(dim, dim, false, random));
      scale = (float) (1 / Math.sqrt(dim));
    }

    @Override
    NDArray apply(ParameterStore store, NDArray codes, boolean training) {
      NDArray q = query.apply(store, codes, training);
      NDArray k = key.apply(store, codes, training);
      NDArray v = value.apply(store, codes, training);
      NDArray weights = q.matMul(k.transpose(0, 2, 1)).mul(scale).softmax(-1);
      return codes.add(weights.matMul(v));
    }
  }
}
