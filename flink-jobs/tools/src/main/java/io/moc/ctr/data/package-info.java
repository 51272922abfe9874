/**
 * Offline CTR examples built from the real datasets, split by time without leaks, in compact
 * integer-indexed form; plain Java, no Flink.
 */
package io.moc.ctr.data;
