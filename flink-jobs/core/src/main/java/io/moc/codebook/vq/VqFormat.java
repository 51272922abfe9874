package io.moc.codebook.vq;

import io.moc.codebook.Codebook;
import io.moc.codebook.CodebookCodec;
import io.moc.codebook.CodebookFormat;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * Artifact body of a {@link VqCodebook}: hidden size h, latent size d, then the input mean and
 * standard deviation (D each), encoder W1 (D × h), b1 (h), W2 (h × heads·d), b2 (heads·d), and M
 * codebooks of K × d; heads is M for moc-heads, else 1. One format per method name. The decoder is
 * not stored: assignment does not need it.
 */
public class VqFormat implements CodebookFormat {

  private final String method;

  VqFormat(String method) {
    this.method = method;
  }

  /** The Mixture-of-Codes multi-codebook VQ-VAE. */
  public static final class Moc extends VqFormat {
    public Moc() {
      super(VqCodebook.MOC);
    }
  }

  /** Mixture-of-Codes with one latent head per codebook. */
  public static final class MocHeads extends VqFormat {
    public MocHeads() {
      super(VqCodebook.MOC_HEADS);
    }
  }

  /** The residual-quantization baseline. */
  public static final class Rqvae extends VqFormat {
    public Rqvae() {
      super(VqCodebook.RQVAE);
    }
  }

  @Override
  public String method() {
    return method;
  }

  @Override
  public void write(Codebook codebook, DataOutputStream out) throws IOException {
    VqCodebook vq = (VqCodebook) codebook;
    out.writeInt(vq.hiddenSize());
    out.writeInt(vq.latentSize());
    CodebookCodec.writeFloats(out, vq.mean());
    CodebookCodec.writeFloats(out, vq.std());
    CodebookCodec.writeFloats(out, vq.w1());
    CodebookCodec.writeFloats(out, vq.b1());
    CodebookCodec.writeFloats(out, vq.w2());
    CodebookCodec.writeFloats(out, vq.b2());
    for (int m = 0; m < vq.numCodebooks(); m++) {
      CodebookCodec.writeFloats(out, vq.codebook(m));
    }
  }

  @Override
  public Codebook read(CodebookCodec.Header header, DataInputStream in) throws IOException {
    int h = CodebookCodec.bounded(in.readInt(), CodebookCodec.MAX_DIMENSION, "hidden size");
    int d = CodebookCodec.bounded(in.readInt(), CodebookCodec.MAX_DIMENSION, "latent size");
    long dim = header.dimension();
    long m = header.numCodebooks();
    long k = header.codebookSize();
    long heads = VqCodebook.MOC_HEADS.equals(method) ? m : 1;
    CodebookCodec.requireAvailable(
        in, 2 * dim + dim * h + h + heads * h * d + heads * d + m * k * d);
    float[] mean = CodebookCodec.readFloats(in, (int) dim);
    float[] std = CodebookCodec.readFloats(in, (int) dim);
    float[] w1 = CodebookCodec.readFloats(in, (int) dim * h);
    float[] b1 = CodebookCodec.readFloats(in, h);
    float[] w2 = CodebookCodec.readFloats(in, (int) (heads * h * d));
    float[] b2 = CodebookCodec.readFloats(in, (int) (heads * d));
    float[][] codebooks = new float[(int) m][];
    for (int i = 0; i < m; i++) {
      codebooks[i] = CodebookCodec.readFloats(in, (int) (k * d));
    }
    return new VqCodebook(
        method, header.embeddingModel(), (int) k, mean, std, w1, b1, w2, b2, codebooks);
  }
}
