/**
 * Scoring for downstream services, without a Flink runtime: {@link io.moc.serving.CtrScorer} loads
 * the newest published CTR model, checks its artifact against the snapshot's SHA-256, and scores
 * items by their codes of the model's codebook version only.
 */
package io.moc.serving;
