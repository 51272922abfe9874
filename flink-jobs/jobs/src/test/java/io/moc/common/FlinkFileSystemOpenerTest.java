package io.moc.common;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FlinkFileSystemOpenerTest {

  @TempDir Path store;

  @Test
  void shouldReadTheStoreWithoutAClusterInEveryFormAUriTakes() throws IOException {
    byte[] artifact = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    Path file = Files.write(store.resolve("model-v000005-0123456789ab.bin"), artifact);
    FlinkFileSystemOpener opener = new FlinkFileSystemOpener();
    assertArrayEquals(artifact, opener.read(file.toUri().toString()));
    // As Flink's Path renders it, "file:/…", and a plain path.
    String flinkUri = new org.apache.flink.core.fs.Path(file.toUri()).toUri().toString();
    assertArrayEquals(artifact, opener.read(flinkUri));
    assertArrayEquals(artifact, opener.read(file.toString()));
  }

  @Test
  void shouldFailWithAnIoExceptionForAMissingArtifact() {
    FlinkFileSystemOpener opener = new FlinkFileSystemOpener();
    assertThrows(IOException.class, () -> opener.read(store.resolve("missing.bin").toString()));
  }
}
