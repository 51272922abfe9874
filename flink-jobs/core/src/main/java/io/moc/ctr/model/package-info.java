/** CTR models over categorical fields and semantic codes, trained with DJL PyTorch; no Flink. */
package io.moc.ctr.model;
