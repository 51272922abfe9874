/**
 * The topic contracts: the Avro records generated from the released schemas, their history, and the
 * one bounded single-object decoder every reader of the topics uses.
 */
package io.moc.avro;
