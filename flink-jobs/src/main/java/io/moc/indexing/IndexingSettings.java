package io.moc.indexing;

import java.io.Serializable;

/**
 * The indexing job's settings, read once by {@link IndexingOptions#read} and shipped to functions.
 */
public record IndexingSettings(
    String bootstrapServers,
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
    int numCodebooks,
    int codebookSize,
    int projectedDimension,
    int trainAfterItems,
    int reservoirSize,
    int kmeansIterations,
    long seed)
    implements Serializable {}
