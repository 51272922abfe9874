/**
 * The codebook methods by name: the one place that knows every quantizer, above the packages that
 * implement them.
 */
package io.moc.codebook.methods;
