package io.moc.training;

import io.moc.ctr.model.CtrModelConfig;
import io.moc.ctr.online.FeatureContract;
import io.moc.ctr.online.TrainerSettings;
import java.io.Serializable;

/**
 * How the training job's online model is built, trained and published. Read by {@link
 * TrainingOptions#read}.
 *
 * @param modelStore Flink file-system URI of the folder artifacts are written to
 * @param publishIntervalMillis a snapshot is published this often when the model trained since
 * @param fullSnapshotEvery every this many publications one is a full model; the others are deltas
 *     on the last full one (1: all full)
 * @param retrainIntervalMillis a retraining pass over the replay window this often; 0: never
 * @param retrainEpochs epochs of a retraining pass
 * @param retrainChunkSteps most training steps of one step of a retraining pass on the task thread
 * @param retrainChunkMillis a retraining pass runs in steps of about this long on the task thread,
 *     records and checkpoint barriers in between; 0: the whole pass at once
 * @param promoteAfter examples a model for a newer codebook version trains on before it may replace
 *     the current one
 * @param backbone the online model's feature-interaction network
 * @param fusion how the online model mixes the code embeddings
 * @param learningRate Adam's learning rate
 * @param controlModel whether an ids-only control model trains beside the semantic one on the same
 *     examples, for the lift the codes give
 * @param warmStartItems most items whose codes are kept per codebook version for warm-starting a
 *     newer version's model
 * @param averagingIntervalMillis with several trainer replicas, how often they merge their models
 * @param itemRepresentation how the semantic model reads an item: CODES (embedded, mixed by {@code
 *     fusion}), CODE_VECTORS (the adapter's MLP over the codebook's vectors of its codes) or
 *     CODES_AND_CODE_VECTORS (both)
 */
public record OnlineModelSettings(
    String modelStore,
    long publishIntervalMillis,
    int fullSnapshotEvery,
    long retrainIntervalMillis,
    int retrainEpochs,
    int retrainChunkSteps,
    long retrainChunkMillis,
    int batchSize,
    int windowSize,
    long coldStartAgeMillis,
    int replayCapacity,
    int userBuckets,
    int itemBuckets,
    int codebookSize,
    int embeddingDim,
    int promoteAfter,
    long seed,
    CtrModelConfig.Backbone backbone,
    CtrModelConfig.Fusion fusion,
    float learningRate,
    boolean controlModel,
    int warmStartItems,
    long averagingIntervalMillis,
    CtrModelConfig.ItemRepresentation itemRepresentation)
    implements Serializable {

  /** The codebook version the control's contract names: it never reads codes of any. */
  public static final long CONTROL_CODEBOOK_VERSION = 0;

  public TrainerSettings trainer() {
    return trainer(1);
  }

  /**
   * The settings of one of {@code replicas} trainer replicas: each keeps its share of the metric
   * windows and the replay window, so that together they cover the examples one trainer would (the
   * pooled prequential AUC is over the latest {@code windowSize} examples of all of them).
   */
  public TrainerSettings trainer(int replicas) {
    return TrainerSettings.builder()
        .batchSize(batchSize)
        .windowSize(share(windowSize, replicas))
        .coldStartWindowSize(share(windowSize, replicas))
        .coldStartAgeMs(coldStartAgeMillis)
        .replayCapacity(share(replayCapacity, replicas))
        .seed(seed)
        .build();
  }

  private static int share(int total, int replicas) {
    return Math.max(1, (total + replicas - 1) / replicas);
  }

  /** The features of a model for {@code numCodebooks} codes of {@code codebookVersion}. */
  public FeatureContract contract(long codebookVersion, int numCodebooks) {
    return new FeatureContract(
        codebookVersion, userBuckets, itemBuckets, numCodebooks, codebookSize);
  }

  /** The semantic model: hashed user and item ids with the codes, mixed by {@link #fusion}. */
  public CtrModelConfig model(FeatureContract contract) {
    if (readsCodeVectors()) {
      throw new IllegalStateException(
          "a " + itemRepresentation + " model needs its code vectors' width");
    }
    return configured(contract.modelConfig(CtrModelConfig.ItemRepresentation.CODES)).build();
  }

  /**
   * The semantic model that reads code vectors: hashed user and item ids, and the adapter's MLP
   * over the item's {@code contract.codebooks()} code vectors of {@code vectorWidth} values each;
   * with CODES_AND_CODE_VECTORS also the codes, embedded and mixed by {@link #fusion} (CODE_VECTORS
   * embeds no codes, so no fusion applies).
   */
  public CtrModelConfig model(FeatureContract contract, int vectorWidth) {
    CtrModelConfig.Builder builder = configured(contract.modelConfig(itemRepresentation));
    if (itemRepresentation == CtrModelConfig.ItemRepresentation.CODE_VECTORS) {
      builder.fusion(CtrModelConfig.Fusion.NONE);
    }
    return builder.denseDimension(contract.codebooks() * vectorWidth).build();
  }

  /** Whether the semantic model reads the codebook's code vectors. */
  public boolean readsCodeVectors() {
    return itemRepresentation == CtrModelConfig.ItemRepresentation.CODE_VECTORS
        || itemRepresentation == CtrModelConfig.ItemRepresentation.CODES_AND_CODE_VECTORS;
  }

  /** These settings with the semantic model reading items as {@code representation}. */
  public OnlineModelSettings withItemRepresentation(
      CtrModelConfig.ItemRepresentation representation) {
    return edit(d -> d.itemRepresentation = representation);
  }

  /**
   * The control's features: user and item ids, and one code column it never reads (its
   * representation reads no codes, and it is given none).
   */
  public FeatureContract controlContract() {
    return contract(CONTROL_CODEBOOK_VERSION, 1);
  }

  /** The control: the semantic model's network and optimiser on the user and item ids alone. */
  public CtrModelConfig controlModelConfig() {
    return configured(controlContract().modelConfig(CtrModelConfig.ItemRepresentation.NONE))
        .fusion(CtrModelConfig.Fusion.NONE)
        .build();
  }

  private CtrModelConfig.Builder configured(CtrModelConfig.Builder builder) {
    return builder
        .backbone(backbone)
        .fusion(fusion)
        .embeddingDim(embeddingDim)
        .learningRate(learningRate)
        .seed(seed);
  }

  /**
   * These settings with a retraining pass of {@code epochs} every {@code intervalMillis}, in steps
   * of at most {@code chunkSteps} training steps and about {@code chunkMillis} (0: a pass at once).
   */
  public OnlineModelSettings withRetraining(
      long intervalMillis, int epochs, int chunkSteps, long chunkMillis) {
    return edit(
        d -> {
          d.retrainIntervalMillis = intervalMillis;
          d.retrainEpochs = epochs;
          d.retrainChunkSteps = chunkSteps;
          d.retrainChunkMillis = chunkMillis;
        });
  }

  /** These settings keeping the codes of at most {@code items} items per codebook version. */
  public OnlineModelSettings withWarmStartItems(int items) {
    return edit(d -> d.warmStartItems = items);
  }

  /** These settings with a full snapshot every {@code n} publications, deltas between. */
  public OnlineModelSettings withFullSnapshotEvery(int n) {
    return edit(d -> d.fullSnapshotEvery = n);
  }

  /** These settings with another averaging interval between trainer replicas. */
  public OnlineModelSettings withAveragingIntervalMillis(long millis) {
    return edit(d -> d.averagingIntervalMillis = millis);
  }

  /** These settings with the control model on or off. */
  public OnlineModelSettings withControlModel(boolean on) {
    return edit(d -> d.controlModel = on);
  }

  /** A copy with {@code change} applied. */
  private OnlineModelSettings edit(java.util.function.Consumer<Draft> change) {
    Draft d = new Draft(this);
    change.accept(d);
    return new OnlineModelSettings(
        d.modelStore,
        d.publishIntervalMillis,
        d.fullSnapshotEvery,
        d.retrainIntervalMillis,
        d.retrainEpochs,
        d.retrainChunkSteps,
        d.retrainChunkMillis,
        d.batchSize,
        d.windowSize,
        d.coldStartAgeMillis,
        d.replayCapacity,
        d.userBuckets,
        d.itemBuckets,
        d.codebookSize,
        d.embeddingDim,
        d.promoteAfter,
        d.seed,
        d.backbone,
        d.fusion,
        d.learningRate,
        d.controlModel,
        d.warmStartItems,
        d.averagingIntervalMillis,
        d.itemRepresentation);
  }

  /** The components, editable: what the {@code with} methods change before the copy is made. */
  private static final class Draft {
    String modelStore;
    long publishIntervalMillis;
    int fullSnapshotEvery;
    long retrainIntervalMillis;
    int retrainEpochs;
    int retrainChunkSteps;
    long retrainChunkMillis;
    int batchSize;
    int windowSize;
    long coldStartAgeMillis;
    int replayCapacity;
    int userBuckets;
    int itemBuckets;
    int codebookSize;
    int embeddingDim;
    int promoteAfter;
    long seed;
    CtrModelConfig.Backbone backbone;
    CtrModelConfig.Fusion fusion;
    float learningRate;
    boolean controlModel;
    int warmStartItems;
    long averagingIntervalMillis;
    CtrModelConfig.ItemRepresentation itemRepresentation;

    Draft(OnlineModelSettings s) {
      modelStore = s.modelStore;
      publishIntervalMillis = s.publishIntervalMillis;
      fullSnapshotEvery = s.fullSnapshotEvery;
      retrainIntervalMillis = s.retrainIntervalMillis;
      retrainEpochs = s.retrainEpochs;
      retrainChunkSteps = s.retrainChunkSteps;
      retrainChunkMillis = s.retrainChunkMillis;
      batchSize = s.batchSize;
      windowSize = s.windowSize;
      coldStartAgeMillis = s.coldStartAgeMillis;
      replayCapacity = s.replayCapacity;
      userBuckets = s.userBuckets;
      itemBuckets = s.itemBuckets;
      codebookSize = s.codebookSize;
      embeddingDim = s.embeddingDim;
      promoteAfter = s.promoteAfter;
      seed = s.seed;
      backbone = s.backbone;
      fusion = s.fusion;
      learningRate = s.learningRate;
      controlModel = s.controlModel;
      warmStartItems = s.warmStartItems;
      averagingIntervalMillis = s.averagingIntervalMillis;
      itemRepresentation = s.itemRepresentation;
    }
  }
}
