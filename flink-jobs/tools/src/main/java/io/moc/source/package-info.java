/**
 * Event sources that feed the pipeline: a deterministic synthetic catalog with a click model, a
 * replay of real datasets in event-time order, and a Kafka publisher for either.
 */
package io.moc.source;
