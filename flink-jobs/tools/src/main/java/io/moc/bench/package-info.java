/**
 * Benchmarks behind {@code bin/moc bench}: measured through the real broker and jobs, with
 * baselines from the same run.
 */
package io.moc.bench;
