package io.moc.training;

import io.moc.ctr.model.CtrModelConfig;
import io.moc.training.model.FeatureContract;
import io.moc.training.model.TrainerSettings;
import java.io.Serializable;

/**
 * How the training job's online model is built, trained and published. Read by {@link
 * TrainingOptions#read}.
 *
 * @param modelStore Flink file-system URI of the folder artifacts are written to
 * @param publishIntervalMillis a snapshot is published this often when the model trained since
 * @param retrainIntervalMillis a retraining pass over the replay window this often; 0: never
 * @param retrainEpochs epochs of a retraining pass
 * @param promoteAfter examples a model for a newer codebook version trains on before it may replace
 *     the current one
 */
public record OnlineModelSettings(
    String modelStore,
    long publishIntervalMillis,
    long retrainIntervalMillis,
    int retrainEpochs,
    int batchSize,
    int windowSize,
    long coldStartAgeMillis,
    int replayCapacity,
    int userBuckets,
    int itemBuckets,
    int codebookSize,
    int embeddingDim,
    int promoteAfter,
    long seed)
    implements Serializable {

  public TrainerSettings trainer() {
    return TrainerSettings.builder()
        .batchSize(batchSize)
        .windowSize(windowSize)
        .coldStartWindowSize(windowSize)
        .coldStartAgeMs(coldStartAgeMillis)
        .replayCapacity(replayCapacity)
        .seed(seed)
        .build();
  }

  /** The features of a model for {@code numCodebooks} codes of {@code codebookVersion}. */
  public FeatureContract contract(long codebookVersion, int numCodebooks) {
    return new FeatureContract(
        codebookVersion, userBuckets, itemBuckets, numCodebooks, codebookSize);
  }

  /** The model: hashed user and item ids with the codes, fused by the gate, DeepFM. */
  public CtrModelConfig model(FeatureContract contract) {
    return contract
        .modelConfig(CtrModelConfig.ItemRepresentation.CODES)
        .fusion(CtrModelConfig.Fusion.GATE)
        .embeddingDim(embeddingDim)
        .seed(seed)
        .build();
  }
}
