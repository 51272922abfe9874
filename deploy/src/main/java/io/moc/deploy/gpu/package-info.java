/** A Flink external-resource driver that tells a TaskManager which NVIDIA GPUs it has. */
package io.moc.deploy.gpu;
