package io.moc.serving;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a model artifact named by a snapshot's {@code artifact_uri}. The trainer writes through
 * Flink's FileSystem (file:// locally, s3:// in production); a service picks the opener that
 * reaches its store: {@link #local()} needs nothing but the JDK, {@link FlinkFileSystemOpener}
 * reads every scheme whose Flink file system is on the class path, and anything else (an S3 SDK
 * client, HTTP) is a lambda.
 */
@FunctionalInterface
public interface ArtifactOpener {

  /** The artifact's bytes, as stored; the scorer verifies them. */
  byte[] read(String uri) throws IOException;

  /**
   * Local files: {@code file:} URIs (as Flink writes them, {@code file:/…} or {@code file:///…})
   * and plain paths.
   *
   * @throws IOException for any other scheme, which needs another opener
   */
  static ArtifactOpener local() {
    return uri -> {
      URI parsed = URI.create(uri);
      if (parsed.getScheme() == null) {
        return Files.readAllBytes(Path.of(uri));
      }
      if (!"file".equalsIgnoreCase(parsed.getScheme())) {
        throw new IOException(
            "cannot read "
                + uri
                + ": the local opener reads file: URIs only; use FlinkFileSystemOpener with the"
                + " scheme's Flink file system on the class path, or an opener of your own");
      }
      return Files.readAllBytes(Path.of(parsed));
    };
  }
}
