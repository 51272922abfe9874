/**
 * Text embedding for catalog items: what text an item is embedded from, and the models that embed
 * it.
 */
package io.moc.embed;
