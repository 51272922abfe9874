package io.moc.source;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the real datasets of {@code ../shared/data} for tests, which skip when they are absent.
 */
public final class SharedData {

  /** The data root: {@code -Dmoc.shared.data=DIR}, else relative to the module directory. */
  public static final Path ROOT =
      Path.of(System.getProperty("moc.shared.data", "../../shared/data"));

  private SharedData() {}

  /** The dataset directory {@code name}, or a skipped test when it is not there. */
  public static Path dataset(String name) {
    Path dir = ROOT.resolve(name);
    assumeTrue(Files.isDirectory(dir), "dataset not available at " + dir.toAbsolutePath());
    return dir;
  }
}
