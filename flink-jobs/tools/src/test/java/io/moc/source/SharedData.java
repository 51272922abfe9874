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
      Path.of(System.getProperty("moc.shared.data", "../../../shared/data"));

  private SharedData() {}

  /**
   * The dataset directory {@code name}, or a skipped test when it is not there. When the data is
   * beside the checkout but not where the tests look, it fails instead: a wrong relative path would
   * otherwise skip every real-data test without a word (as a module move once did).
   */
  public static Path dataset(String name) {
    Path dir = ROOT.resolve(name);
    Path beside = besideTheCheckout();
    if (beside != null && Files.isDirectory(beside.resolve(name)) && !Files.isDirectory(dir)) {
      throw new IllegalStateException(
          "the data is at " + beside + " but tests look in " + ROOT.toAbsolutePath());
    }
    assumeTrue(Files.isDirectory(dir), "dataset not available at " + dir.toAbsolutePath());
    return dir;
  }

  /** {@code shared/data} beside the checkout (the folder holding {@code .ci/run}), or null. */
  private static Path besideTheCheckout() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.exists(p.resolve(".ci/run"))) {
        return p.resolveSibling("shared").resolve("data");
      }
    }
    return null;
  }
}
