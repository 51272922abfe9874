package io.moc.indexing;

import io.moc.codebook.CodebookTrainer;
import io.moc.codebook.ProjectedKMeansCodebook;
import io.moc.codebook.methods.CodebookMethods;
import io.moc.common.InputSettings;
import io.moc.kafka.KafkaConnection;
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

  /** The trainer of the first version: the bootstrap method's when there is one. */
  public CodebookTrainer firstTrainer() {
    return lifecycle.bootstraps() ? trainer(lifecycle.bootstrapMethod()) : codebookTrainer();
  }

  /** Whether a version is of the configured method, M and K (the bootstrap's is not). */
  public boolean isOfConfiguredMethod(CodebookEntry entry) {
    return codebookMethod.equals(entry.method)
        && codebooksOf(codebookMethod) == entry.numCodebooks
        && codebookSize == entry.codebookSize;
  }

  /** The M a method's versions have: one for kmeans, whatever M is configured. */
  public int codebooksOf(String method) {
    return ProjectedKMeansCodebook.KMEANS.equals(method) ? 1 : numCodebooks;
  }

  private CodebookTrainer trainer(String method) {
    return CodebookMethods.trainer(
        method, numCodebooks, codebookSize, projectedDimension, kmeansIterations, seed);
  }

  /** The trainer of the configured codebook method. */
  public CodebookTrainer codebookTrainer() {
    return trainer(codebookMethod);
  }
}
