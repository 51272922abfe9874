package io.moc.ctr.model;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The whole CTR network: one {@link Tower} per embedding set, logits averaged.
 *
 * <p>Multi-Embedding (Guo et al. 2023, "On the Embedding Collapse When Scaling Up Recommendation
 * Models") gives every field T embedding tables and every set its own interaction module I_t, and
 * predicts from the mean of the set outputs: ŷ = σ((1/T) Σ_t I_t(e¹_t … e^F_t)). Here each set is a
 * complete tower (embeddings, fusion, backbone ending in its own linear logit), so averaging the
 * towers' logits is that mean with set-specific output layers. With one set this is the plain
 * single-embedding model.
 */
final class CtrNetwork extends LogitsBlock {

  private final List<Tower> towers = new ArrayList<>();
  private final DropoutMasks dropout;

  CtrNetwork(CtrModelConfig config, long rows, DropoutMasks dropout, Random random) {
    this.dropout = dropout;
    for (int t = 0; t < config.embeddingSets(); t++) {
      towers.add(addChildBlock("set" + t, new Tower(config, rows, dropout, random)));
    }
  }

  /** The masks every tower's dropout draws from. */
  DropoutMasks dropout() {
    return dropout;
  }

  @Override
  NDArray logits(ParameterStore store, NDArray indices, NDArray dense, boolean training) {
    NDArray sum = null;
    for (Tower tower : towers) {
      NDArray logits = tower.logits(store, indices, dense, training);
      sum = sum == null ? logits : sum.add(logits);
    }
    return towers.size() == 1 ? sum : sum.div(towers.size());
  }
}
