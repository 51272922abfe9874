package io.moc.codebook;

/**
 * The result of quantizing one embedding.
 *
 * @param codes one code per codebook, each in [0, K)
 * @param error mean squared distance to the chosen code vectors, averaged over codebooks
 */
public record Assignment(int[] codes, float error) {}
