/**
 * Continuous CTR training on the joined example stream, as plain Java over DJL (no Flink): the
 * online trainer with prequential metrics and exact checkpoints, the feature contract shared with
 * scorers, the published artifact, and the warm start across codebook versions.
 */
package io.moc.ctr.online;
