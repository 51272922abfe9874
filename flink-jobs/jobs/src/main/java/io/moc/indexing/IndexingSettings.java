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
    long itemCodesLingerMillis,
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
    int recodeThreads,
    boolean holdEmbeddings,
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

  /** Settings named field by field; a field left unset is null, 0 or false. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds {@link IndexingSettings}, so that a call site names each of its many fields. */
  public static final class Builder {
    private KafkaConnection kafka;
    private String itemsTopic;
    private String itemCodesTopic;
    private long itemCodesLingerMillis;
    private String codebooksTopic;
    private String deadLettersTopic;
    private String groupId;
    private String embeddingModel;
    private int embeddingDimension;
    private int embedBatchSize;
    private long embedMaxWaitMillis;
    private int embedMaxTokens;
    private boolean embedBatchInvariant;
    private String embedSlotSharingGroup;
    private int embedParallelism;
    private int numCodebooks;
    private int codebookSize;
    private int projectedDimension;
    private int trainAfterItems;
    private int reservoirSize;
    private int kmeansIterations;
    private long seed;
    private String codebookMethod;
    private CodebookLifecycle lifecycle;
    private int recodeThreads = 1;
    private boolean holdEmbeddings = true;
    private InputSettings input;

    private Builder() {}

    public Builder kafka(KafkaConnection value) {
      kafka = value;
      return this;
    }

    public Builder itemsTopic(String value) {
      itemsTopic = value;
      return this;
    }

    public Builder itemCodesTopic(String value) {
      itemCodesTopic = value;
      return this;
    }

    public Builder itemCodesLingerMillis(long value) {
      itemCodesLingerMillis = value;
      return this;
    }

    public Builder codebooksTopic(String value) {
      codebooksTopic = value;
      return this;
    }

    public Builder deadLettersTopic(String value) {
      deadLettersTopic = value;
      return this;
    }

    public Builder groupId(String value) {
      groupId = value;
      return this;
    }

    public Builder embeddingModel(String value) {
      embeddingModel = value;
      return this;
    }

    public Builder embeddingDimension(int value) {
      embeddingDimension = value;
      return this;
    }

    public Builder embedBatchSize(int value) {
      embedBatchSize = value;
      return this;
    }

    public Builder embedMaxWaitMillis(long value) {
      embedMaxWaitMillis = value;
      return this;
    }

    public Builder embedMaxTokens(int value) {
      embedMaxTokens = value;
      return this;
    }

    public Builder embedBatchInvariant(boolean value) {
      embedBatchInvariant = value;
      return this;
    }

    public Builder embedSlotSharingGroup(String value) {
      embedSlotSharingGroup = value;
      return this;
    }

    public Builder embedParallelism(int value) {
      embedParallelism = value;
      return this;
    }

    public Builder numCodebooks(int value) {
      numCodebooks = value;
      return this;
    }

    public Builder codebookSize(int value) {
      codebookSize = value;
      return this;
    }

    public Builder projectedDimension(int value) {
      projectedDimension = value;
      return this;
    }

    public Builder trainAfterItems(int value) {
      trainAfterItems = value;
      return this;
    }

    public Builder reservoirSize(int value) {
      reservoirSize = value;
      return this;
    }

    public Builder kmeansIterations(int value) {
      kmeansIterations = value;
      return this;
    }

    public Builder seed(long value) {
      seed = value;
      return this;
    }

    public Builder codebookMethod(String value) {
      codebookMethod = value;
      return this;
    }

    public Builder lifecycle(CodebookLifecycle value) {
      lifecycle = value;
      return this;
    }

    public Builder recodeThreads(int value) {
      recodeThreads = value;
      return this;
    }

    public Builder holdEmbeddings(boolean value) {
      holdEmbeddings = value;
      return this;
    }

    public Builder input(InputSettings value) {
      input = value;
      return this;
    }

    public IndexingSettings build() {
      return new IndexingSettings(
          kafka,
          itemsTopic,
          itemCodesTopic,
          itemCodesLingerMillis,
          codebooksTopic,
          deadLettersTopic,
          groupId,
          embeddingModel,
          embeddingDimension,
          embedBatchSize,
          embedMaxWaitMillis,
          embedMaxTokens,
          embedBatchInvariant,
          embedSlotSharingGroup,
          embedParallelism,
          numCodebooks,
          codebookSize,
          projectedDimension,
          trainAfterItems,
          reservoirSize,
          kmeansIterations,
          seed,
          codebookMethod,
          lifecycle,
          recodeThreads,
          holdEmbeddings,
          input);
    }
  }
}
