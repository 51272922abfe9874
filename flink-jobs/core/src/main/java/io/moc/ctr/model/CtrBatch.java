package io.moc.ctr.model;

/**
 * A mini-batch for a {@link CtrModel}. The arrays are used as given, not copied.
 *
 * @param fields B × F categorical indices, one column per {@link CtrModelConfig#fields()} entry, in
 *     [0, vocabulary size) with 0 meaning unknown
 * @param dense B × {@link CtrModelConfig#denseDimension()} raw text embeddings; read by the ADAPTER
 *     representation only, may be null otherwise
 * @param labels B clicks (1) or not (0); null for prediction
 */
public record CtrBatch(int[][] fields, float[][] dense, float[] labels) {

  public CtrBatch {
    if (fields == null || fields.length == 0) {
      throw new IllegalArgumentException("a batch needs at least one example");
    }
    if (dense != null && dense.length != fields.length) {
      throw new IllegalArgumentException("dense input has " + dense.length + " rows, not B");
    }
    if (labels != null && labels.length != fields.length) {
      throw new IllegalArgumentException("labels have " + labels.length + " entries, not B");
    }
  }

  /** A batch to score. */
  public static CtrBatch of(int[][] fields, float[][] dense) {
    return new CtrBatch(fields, dense, null);
  }

  public int size() {
    return fields.length;
  }
}
