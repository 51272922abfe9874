/**
 * The {@code bin/moc} command line: one entry point for the local stack, benchmarks and offline
 * tools.
 */
package io.moc.cli;
