/** Kafka client plumbing without Flink: where the cluster is, and reading the tail of a topic. */
package io.moc.kafka;
