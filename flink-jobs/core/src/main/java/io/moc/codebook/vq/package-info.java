/** Learned quantizers on DJL's PyTorch engine: the multi-codebook VQ-VAE (MoC) and the RQ-VAE. */
package io.moc.codebook.vq;
