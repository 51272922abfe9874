/**
 * What every job shares: raw Kafka records, dead letters and their reasons, topic and Kafka
 * options.
 */
package io.moc.common;
