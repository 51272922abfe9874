/**
 * Offline and prequential CTR metrics (ROC AUC, logloss, sliding windows); plain Java, no Flink.
 */
package io.moc.ctr.metrics;
