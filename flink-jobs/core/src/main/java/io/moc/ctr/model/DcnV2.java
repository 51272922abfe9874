package io.moc.ctr.model;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * DCNv2, stacked: x₀ = concatenated embeddings (FD), cross layers x_{l+1} = x₀ ⊙ (W_l x_l + b_l) +
 * x_l with full-rank W_l (FD × FD), then the deep MLP on the cross output (its code fields' D-wide
 * slices fused first, when the fusion comes after the interaction), then a linear logit.
 */
final class DcnV2 extends CtrBackbone {

  private final List<Dense> cross = new ArrayList<>();
  private final Mlp deep;
  private final Dense head;

  DcnV2(CtrModelConfig config, int fields, DropoutMasks dropout, Random random) {
    super(config, random);
    int width = fields * config.embeddingDim();
    for (int l = 0; l < config.crossLayers(); l++) {
      cross.add(addChildBlock("cross" + l, new Dense(width, width, true, random)));
    }
    deep = addChildBlock("deep", new Mlp(width, config.mlpSizes(), 0, dropout, random));
    head = addChildBlock("head", new Dense(deep.width(), 1, true, random));
  }

  @Override
  NDArray logits(ParameterStore store, NDArray embeddings, NDArray indices, boolean training) {
    NDArray x0 = flatten(embeddings);
    NDArray x = x0;
    for (Dense layer : cross) {
      x = x0.mul(layer.apply(store, x, training)).add(x);
    }
    if (fusesCodeOutputs()) {
      x = flatten(fuseCodeOutputs(store, x.reshape(embeddings.getShape()), training));
    }
    return head.apply(store, deep.apply(store, x, training), training).squeeze(1);
  }
}
