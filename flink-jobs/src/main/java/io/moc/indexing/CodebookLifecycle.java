package io.moc.indexing;

import java.io.Serializable;

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
    long recodeChunkMillis)
    implements Serializable {}
