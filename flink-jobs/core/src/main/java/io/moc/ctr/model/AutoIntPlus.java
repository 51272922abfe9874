package io.moc.ctr.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * AutoInt+: interacting layers of multi-head self-attention across the fields, each h ← ReLU(MHA(h)
 * + h W_res) with H heads of width D / H (so every layer keeps width D), in parallel with a deep
 * MLP on the concatenated embeddings; a linear logit reads the flattened attention output (its code
 * fields fused first, when the fusion comes after the interaction) and the MLP output together.
 */
final class AutoIntPlus extends CtrBackbone {

  private final List<Dense[]> layers = new ArrayList<>();
  private final int heads;
  private final int headWidth;
  private final float scale;
  private final Mlp deep;
  private final Dense head;

  AutoIntPlus(CtrModelConfig config, int fields, DropoutMasks dropout, Random random) {
    super(config, random);
    int dim = config.embeddingDim();
    heads = config.attentionHeads();
    headWidth = dim / heads;
    scale = (float) (1 / Math.sqrt(headWidth));
    for (int l = 0; l < config.attentionLayers(); l++) {
      layers.add(
          new Dense[] {
            addChildBlock("query" + l, new Dense(dim, dim, false, random)),
            addChildBlock("key" + l, new Dense(dim, dim, false, random)),
            addChildBlock("value" + l, new Dense(dim, dim, false, random)),
            addChildBlock("residual" + l, new Dense(dim, dim, false, random))
          });
    }
    deep = addChildBlock("deep", new Mlp(fields * dim, config.mlpSizes(), 0, dropout, random));
    head = addChildBlock("head", new Dense(fields * dim + deep.width(), 1, true, random));
  }

  @Override
  NDArray logits(ParameterStore store, NDArray embeddings, NDArray indices, boolean training) {
    Shape shape = embeddings.getShape();
    NDArray h = embeddings;
    for (Dense[] layer : layers) {
      NDArray q = split(layer[0].apply(store, h, training), shape);
      NDArray k = split(layer[1].apply(store, h, training), shape);
      NDArray v = split(layer[2].apply(store, h, training), shape);
      NDArray weights = q.matMul(k.transpose(0, 1, 3, 2)).mul(scale).softmax(-1);
      NDArray attended = weights.matMul(v).transpose(0, 2, 1, 3).reshape(shape);
      h = Activation.relu(attended.add(layer[3].apply(store, h, training)));
    }
    h = fuseCodeOutputs(store, h, training);
    NDArray joined =
        NDArrays.concat(
            new NDList(flatten(h), deep.apply(store, flatten(embeddings), training)), 1);
    return head.apply(store, joined, training).squeeze(1);
  }

  /** B × F × D as B × H × F × D/H. */
  private NDArray split(NDArray x, Shape shape) {
    return x.reshape(shape.get(0), shape.get(1), heads, headWidth).transpose(0, 2, 1, 3);
  }
}
