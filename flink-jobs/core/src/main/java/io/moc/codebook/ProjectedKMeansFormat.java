package io.moc.codebook;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * Artifact body of a {@link ProjectedKMeansCodebook}: per codebook, its projection and centroids.
 * One format per method name, all with this layout.
 */
public class ProjectedKMeansFormat implements CodebookFormat {

  private final String method;

  public ProjectedKMeansFormat() {
    this(ProjectedKMeansCodebook.METHOD);
  }

  ProjectedKMeansFormat(String method) {
    this.method = method;
  }

  /** Product quantization: sub-vector selections as projections. */
  public static final class ProductQuantization extends ProjectedKMeansFormat {
    public ProductQuantization() {
      super(ProjectedKMeansCodebook.PQ);
    }
  }

  /** Plain k-means: one codebook, the identity as projection. */
  public static final class PlainKMeans extends ProjectedKMeansFormat {
    public PlainKMeans() {
      super(ProjectedKMeansCodebook.KMEANS);
    }
  }

  @Override
  public String method() {
    return method;
  }

  @Override
  public void write(Codebook codebook, DataOutputStream out) throws IOException {
    ProjectedKMeansCodebook pk = (ProjectedKMeansCodebook) codebook;
    out.writeInt(pk.projectedDimension());
    for (int m = 0; m < pk.numCodebooks(); m++) {
      CodebookCodec.writeFloats(out, pk.projections()[m]);
      CodebookCodec.writeFloats(out, pk.centroids()[m]);
    }
  }

  @Override
  public Codebook read(CodebookCodec.Header h, DataInputStream in) throws IOException {
    int d = CodebookCodec.bounded(in.readInt(), CodebookCodec.MAX_DIMENSION, "projected dimension");
    CodebookCodec.requireAvailable(
        in, (long) h.numCodebooks() * ((long) d * h.dimension() + (long) h.codebookSize() * d));
    float[][] projections = new float[h.numCodebooks()][];
    float[][] centroids = new float[h.numCodebooks()][];
    for (int i = 0; i < h.numCodebooks(); i++) {
      projections[i] = CodebookCodec.readFloats(in, d * h.dimension());
      centroids[i] = CodebookCodec.readFloats(in, h.codebookSize() * d);
    }
    return new ProjectedKMeansCodebook(
        method, h.embeddingModel(), h.dimension(), h.codebookSize(), d, projections, centroids);
  }
}
