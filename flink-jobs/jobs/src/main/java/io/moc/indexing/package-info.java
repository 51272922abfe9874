/** The indexing job: items from Kafka to semantic codes on the compacted item-codes topic. */
package io.moc.indexing;
