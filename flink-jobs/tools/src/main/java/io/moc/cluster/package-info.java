/**
 * {@code bin/moc cluster}: a real multi-process Flink session cluster (ZooKeeper, a Kafka broker, a
 * JobManager, a CPU and a GPU TaskManager, each its own JVM) built from Maven artifacts, and the
 * operations on it: submit, savepoint, upgrade, scale, status, down.
 */
package io.moc.cluster;
