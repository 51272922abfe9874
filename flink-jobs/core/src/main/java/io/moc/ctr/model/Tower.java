package io.moc.ctr.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.ParameterStore;
import java.util.List;
import java.util.Random;

/**
 * One embedding set with its own interaction: field embeddings, the adapter's extra field, the
 * fusion of the code fields (the last {@code codes} active fields) unless the backbone fuses them
 * after its interaction, then the backbone.
 */
final class Tower extends LogitsBlock {

  private final FieldEmbedding embedding;
  private final Mlp adapter;
  private final CodeFusion fusion;
  private final CtrBackbone backbone;
  private final int codes;

  Tower(CtrModelConfig config, long rows, DropoutMasks dropout, Random random) {
    int dim = config.embeddingDim();
    embedding =
        addChildBlock(
            "embedding", new FieldEmbedding("table", rows, dim, normal(random, EMBEDDING_STD)));
    adapter =
        config.hasAdapter()
            ? addChildBlock(
                "adapter",
                new Mlp(
                    config.denseDimension(), List.of(config.adapterHidden()), dim, dropout, random))
            : null;
    codes = config.activeCodeFields();
    CodeFusion f =
        config.fusion().afterInteraction()
            ? null
            : CodeFusion.create(config.fusion(), codes, dim, config.fusionHidden(), random);
    fusion = f == null ? null : addChildBlock("fusion", f);
    backbone = addChildBlock("backbone", CtrBackbone.create(config, rows, dropout, random));
  }

  @Override
  NDArray logits(ParameterStore store, NDArray indices, NDArray dense, boolean training) {
    NDArray x = embedding.apply(store, indices, training);
    if (adapter != null) {
      NDArray extra = adapter.apply(store, dense, training).expandDims(1);
      if (codes == 0) {
        x = NDArrays.concat(new NDList(x, extra), 1);
      } else {
        long others = x.getShape().get(1) - codes;
        x =
            NDArrays.concat(
                new NDList(
                    x.get(new NDIndex(":, :{}", others)),
                    extra,
                    x.get(new NDIndex(":, {}:", others))),
                1);
      }
    }
    if (fusion != null) {
      x = fusion.fuseLast(store, x, codes, training);
    }
    return backbone.logits(store, x, indices, training);
  }
}
