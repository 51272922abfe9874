package io.moc.indexing;

import java.io.Serializable;
import java.util.function.Consumer;

/**
 * When the codebook trainer trains a version after the first one, and how the indexer paces the
 * re-coding a new version causes. Read by {@link IndexingOptions#read}.
 *
 * @param retrainIntervalMillis a new version at least this often while items keep arriving; 0: only
 *     on drift
 * @param retrainMinNewItems items embedded since the last training before another one
 * @param driftWindow the newest items on which live code quality is measured
 * @param driftCheckEvery items between two measurements of live code quality
 * @param driftErrorRatio drift when the live quantization error exceeds this times the error on the
 *     training sample
 * @param driftUsageRatio drift when live code usage falls below this times usage on the training
 *     sample
 * @param driftCollisionRise drift when the live collision rate exceeds the training sample's by
 *     this much
 * @param recodeChunkItems most items re-coded in one step of the task thread
 * @param recodeChunkMillis most time one re-coding step takes before records and barriers go first
 * @param bootstrapMethod the method of the first version, fast so that codes appear within seconds
 *     (with the configured M and K); empty: the configured method from the first version on
 * @param methodAfterItems once this many items are embedded, a version that is not of the
 *     configured method (the bootstrap, or one from before a change of method) is replaced by one
 *     that is
 * @param trainInBackground train on a worker thread and hand the version to the task thread when
 *     done, so that items and checkpoint barriers never wait for a training; false trains on the
 *     task thread (the behaviour before, kept as the benchmark's baseline)
 */
public record CodebookLifecycle(
    long retrainIntervalMillis,
    int retrainMinNewItems,
    int driftWindow,
    int driftCheckEvery,
    double driftErrorRatio,
    double driftUsageRatio,
    double driftCollisionRise,
    int recodeChunkItems,
    long recodeChunkMillis,
    String bootstrapMethod,
    int methodAfterItems,
    boolean trainInBackground)
    implements Serializable {

  public boolean bootstraps() {
    return !bootstrapMethod.isEmpty();
  }

  /** This lifecycle with a bootstrap method, replaced by the configured one after {@code items}. */
  public CodebookLifecycle withBootstrap(String method, int items) {
    return edit(
        d -> {
          d.bootstrapMethod = method;
          d.methodAfterItems = items;
        });
  }

  /** This lifecycle, training on the task thread ({@code false}) or a worker thread. */
  public CodebookLifecycle withTrainInBackground(boolean background) {
    return edit(d -> d.trainInBackground = background);
  }

  /** A copy with {@code change} applied. */
  private CodebookLifecycle edit(Consumer<Draft> change) {
    Draft d = new Draft(this);
    change.accept(d);
    return new CodebookLifecycle(
        d.retrainIntervalMillis,
        d.retrainMinNewItems,
        d.driftWindow,
        d.driftCheckEvery,
        d.driftErrorRatio,
        d.driftUsageRatio,
        d.driftCollisionRise,
        d.recodeChunkItems,
        d.recodeChunkMillis,
        d.bootstrapMethod,
        d.methodAfterItems,
        d.trainInBackground);
  }

  /** The components, editable: what the {@code with} methods change before the copy is made. */
  private static final class Draft {
    long retrainIntervalMillis;
    int retrainMinNewItems;
    int driftWindow;
    int driftCheckEvery;
    double driftErrorRatio;
    double driftUsageRatio;
    double driftCollisionRise;
    int recodeChunkItems;
    long recodeChunkMillis;
    String bootstrapMethod;
    int methodAfterItems;
    boolean trainInBackground;

    Draft(CodebookLifecycle c) {
      retrainIntervalMillis = c.retrainIntervalMillis;
      retrainMinNewItems = c.retrainMinNewItems;
      driftWindow = c.driftWindow;
      driftCheckEvery = c.driftCheckEvery;
      driftErrorRatio = c.driftErrorRatio;
      driftUsageRatio = c.driftUsageRatio;
      driftCollisionRise = c.driftCollisionRise;
      recodeChunkItems = c.recodeChunkItems;
      recodeChunkMillis = c.recodeChunkMillis;
      bootstrapMethod = c.bootstrapMethod;
      methodAfterItems = c.methodAfterItems;
      trainInBackground = c.trainInBackground;
    }
  }
}
