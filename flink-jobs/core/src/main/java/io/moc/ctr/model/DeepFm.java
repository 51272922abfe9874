package io.moc.ctr.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import java.util.Random;

/**
 * DeepFM: logit = b + Σ_f w[x_f] (first order, one weight per categorical value) + ½ Σ_d ((Σ_f
 * e_fd)² − Σ_f e_fd²) (FM second order over all field embeddings, the adapter's and the fused
 * codes' included) + MLP(concatenated embeddings). The FM and the MLP share the embeddings. When
 * the fusion comes after the interaction, the FM is summed from its per-field terms e_f ⊙ Σ_{g≠f}
 * e_g, the code fields' terms fused first.
 */
final class DeepFm extends CtrBackbone {

  private final FieldEmbedding firstOrder;
  private final Parameter bias;
  private final Mlp deep;

  DeepFm(CtrModelConfig config, int fields, long rows, DropoutMasks dropout, Random random) {
    super(config, random);
    bias = parameter("bias", Parameter.Type.BIAS, Initializer.ZEROS, 1);
    firstOrder = addChildBlock("linear", new FieldEmbedding("weight", rows, 1, Initializer.ZEROS));
    deep =
        addChildBlock(
            "deep", new Mlp(fields * config.embeddingDim(), config.mlpSizes(), 1, dropout, random));
  }

  @Override
  NDArray logits(ParameterStore store, NDArray embeddings, NDArray indices, boolean training) {
    NDArray linear =
        firstOrder
            .apply(store, indices, training)
            .sum(new int[] {1, 2})
            .add(value(store, bias, indices, training));
    NDArray sum = embeddings.sum(new int[] {1});
    NDArray fm;
    if (fusesCodeOutputs()) {
      // Field f's share of the FM term, e_f ⊙ Σ_{g≠f} e_g: the per-field output the fusion reads.
      NDArray perField = embeddings.mul(sum.expandDims(1).sub(embeddings));
      fm = fuseCodeOutputs(store, perField, training).sum(new int[] {1, 2}).mul(0.5f);
    } else {
      fm = sum.square().sub(embeddings.square().sum(new int[] {1})).sum(new int[] {1}).mul(0.5f);
    }
    NDArray mlp = deep.apply(store, flatten(embeddings), training).squeeze(1);
    return linear.add(fm).add(mlp);
  }
}
