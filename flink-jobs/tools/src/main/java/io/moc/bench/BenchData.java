package io.moc.bench;

import io.moc.avro.ItemEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Inputs the benchmarks (and integration tests) share: random unit vectors, like a text model's,
 * and items carrying them.
 */
public final class BenchData {

  private BenchData() {}

  public static List<float[]> unitVectors(int n, int dimension, long seed) {
    Random random = new Random(seed);
    List<float[]> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(unitVector(random, dimension));
    }
    return out;
  }

  /** The next of {@link #unitVectors}, for a stream of them too long to hold. */
  public static float[] unitVector(Random random, int dimension) {
    float[] x = new float[dimension];
    double norm = 0;
    for (int j = 0; j < dimension; j++) {
      x[j] = (float) random.nextGaussian();
      norm += x[j] * x[j];
    }
    for (int j = 0; j < dimension; j++) {
      x[j] /= (float) Math.sqrt(norm);
    }
    return x;
  }

  /** An item with a precomputed embedding of {@code model} and no text. */
  public static ItemEvent precomputedItem(String id, float[] vector, String model) {
    List<Float> values = new ArrayList<>(vector.length);
    for (float v : vector) {
      values.add(v);
    }
    return ItemEvent.newBuilder()
        .setItemId(id)
        .setEventTime(Instant.now())
        .setEmbedding(values)
        .setEmbeddingModel(model)
        .build();
  }
}
