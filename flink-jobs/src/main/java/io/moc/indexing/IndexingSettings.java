package io.moc.indexing;

import io.moc.codebook.CodebookMethods;
import io.moc.codebook.CodebookTrainer;
import io.moc.common.InputSettings;
import io.moc.common.KafkaConnection;
import java.io.Serializable;

/**
 * The indexing job's settings, read once by {@link IndexingOptions#read} and shipped to functions.
 */
public record IndexingSettings(
    KafkaConnection kafka,
    String itemsTopic,
    String itemCodesTopic,
    String codebooksTopic,
    String deadLettersTopic,
    String groupId,
    String embeddingModel,
    int embeddingDimension,
    int embedBatchSize,
    long embedMaxWaitMillis,
    int embedMaxTokens,
    boolean embedBatchInvariant,
    String embedSlotSharingGroup,
    int embedParallelism,
    int numCodebooks,
    int codebookSize,
    int projectedDimension,
    int trainAfterItems,
    int reservoirSize,
    int kmeansIterations,
    long seed,
    String codebookMethod,
    CodebookLifecycle lifecycle,
    InputSettings input)
    implements Serializable {

  public String bootstrapServers() {
    return kafka.bootstrapServers();
  }

  /** The trainer of the configured codebook method. */
  public CodebookTrainer codebookTrainer() {
    return CodebookMethods.trainer(
        codebookMethod, numCodebooks, codebookSize, projectedDimension, kmeansIterations, seed);
  }
}
