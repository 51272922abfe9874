/** Reconciles a deployment's topics: every input record coded, trained or dead-lettered. */
package io.moc.audit;
