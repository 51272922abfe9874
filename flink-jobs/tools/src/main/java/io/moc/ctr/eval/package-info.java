/** Offline evaluation of CTR models with semantic item representations on the real datasets. */
package io.moc.ctr.eval;
