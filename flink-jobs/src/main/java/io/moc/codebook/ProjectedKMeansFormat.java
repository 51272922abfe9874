package io.moc.codebook;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * Artifact body of a {@link ProjectedKMeansCodebook}: per codebook, its projection and centroids.
 */
public final class ProjectedKMeansFormat implements CodebookFormat {

  @Override
  public String method() {
    return ProjectedKMeansCodebook.METHOD;
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
        h.embeddingModel(), h.dimension(), h.codebookSize(), d, projections, centroids);
  }
}
