/**
 * Codebooks that turn an item embedding into semantic codes, and how they are trained and
 * serialized; plain Java, no Flink.
 */
package io.moc.codebook;
