package io.moc.common;

import io.moc.serving.ArtifactOpener;
import java.io.IOException;
import java.io.InputStream;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * Reads artifacts through Flink's {@link FileSystem}, the abstraction the trainer writes with. It
 * needs flink-core on the class path but no cluster: without an explicit {@code
 * FileSystem.initialize} Flink loads the file system factories found on the class path, so file://
 * works as is and s3:// once a Flink S3 file system jar (flink-s3-fs-hadoop or -presto, added as a
 * library rather than as a plugin) and its credentials configuration are there. A separate class
 * from {@link ArtifactOpener}, and in the jobs' module rather than the scorer's, so that services
 * using {@link ArtifactOpener#local()} never load Flink.
 */
public final class FlinkFileSystemOpener implements ArtifactOpener {

  @Override
  public byte[] read(String uri) throws IOException {
    Path path = new Path(uri);
    try (InputStream in = path.getFileSystem().open(path)) {
      return in.readAllBytes();
    }
  }
}
