package io.moc.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The class path {@code bin/moc} runs on ({@code target/classpath.txt}, written by the build before
 * the tests) holds what the broker JVM it starts needs: once it lacked kafka_2.13's runtime-scoped
 * server modules and {@code bin/moc local} failed at its first step.
 */
class LocalClassPathTest {

  private static final Path CLASS_PATH = Path.of("target", "classpath.txt");

  private static List<String> entries() throws Exception {
    return Arrays.asList(Files.readString(CLASS_PATH, StandardCharsets.UTF_8).trim().split(":"));
  }

  @Test
  void shouldListEveryModuleOfTheBrokerAndNothingMissing() throws Exception {
    List<String> entries = entries();
    for (String module :
        List.of(
            "kafka_2.13",
            "kafka-clients",
            "kafka-server",
            "kafka-server-common",
            "kafka-metadata",
            "kafka-raft",
            "kafka-storage",
            "kafka-group-coordinator",
            "kafka-transaction-coordinator",
            "scala-library")) {
      // The artifact itself, not one whose name it begins (kafka-server, not kafka-server-common).
      String jar = java.util.regex.Pattern.quote(module) + "-\\d.*\\.jar";
      assertTrue(
          entries.stream().anyMatch(e -> Path.of(e).getFileName().toString().matches(jar)),
          module + " is not on bin/moc's class path");
    }
    for (String entry : entries) {
      assertTrue(Files.exists(Path.of(entry)), entry + " is listed but missing");
    }
  }

  @Test
  void shouldRunTheBrokersStorageToolOnIt() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p =
        new ProcessBuilder(
                java,
                "-cp",
                String.join(File.pathSeparator, entries()),
                "kafka.tools.StorageTool",
                "random-uuid")
            .redirectErrorStream(true)
            .start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "StorageTool did not finish");
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), output);
    assertTrue(
        output.strip().lines().reduce((a, b) -> b).orElse("").matches("[A-Za-z0-9_-]{22}"), output);
  }
}
