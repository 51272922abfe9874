/**
 * The CTR training job: impressions joined with item codes, trained online, published as snapshots.
 */
package io.moc.training;
