package io.moc.codebook;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * How the codebooks of one method are written after the artifact's common header. A new method
 * plugs in with its format listed in {@code META-INF/services/io.moc.codebook.CodebookFormat}.
 */
public interface CodebookFormat {

  /** The method name, as in {@code CodebookVersion.method}. */
  String method();

  /** Writes what {@code codebook} needs beyond the common header. */
  void write(Codebook codebook, DataOutputStream out) throws IOException;

  /**
   * Reads a codebook whose common header is {@code header}.
   *
   * @throws IllegalArgumentException when the body is inconsistent with the header or invalid
   */
  Codebook read(CodebookCodec.Header header, DataInputStream in) throws IOException;
}
