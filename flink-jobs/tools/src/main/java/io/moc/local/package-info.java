/**
 * The local stack behind {@code bin/moc local}: a Kafka broker JVM, the topics, a Flink MiniCluster
 * with its dashboard, and a progress report.
 */
package io.moc.local;
