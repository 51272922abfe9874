package io.moc.deploy;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/**
 * What a cluster loads from the job jar (child-first) and what it must load from Flink's lib/: a
 * native library loads once per JVM, so DJL in the job jar fails the first restart; Avro in the job
 * jar needs Jackson next to it, which no Flink lib/ has unshaded (found on the multi-process
 * cluster, where the MiniCluster's shared class path had hidden it).
 */
class JobJarTest {

  private static Path jobJar() throws Exception {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path target = dir.resolve("flink-jobs/jobs/target");
      if (Files.isDirectory(dir.resolve("deploy")) && Files.isDirectory(target)) {
        try (Stream<Path> files = Files.list(target)) {
          return files
              .filter(f -> f.getFileName().toString().matches("moc-flink-jobs-.*-job\\.jar"))
              .findFirst()
              .orElseThrow(() -> new AssertionError("no job jar in " + target + ": mvn package"));
        }
      }
    }
    return fail("flink-jobs/jobs/target not found: run mvn package first");
  }

  @Test
  void shouldCarryOurCodeTheConnectorAvroAndJacksonButNoNativeLibraries() throws Exception {
    try (ZipFile jar = new ZipFile(jobJar().toFile())) {
      List<String> entries = jar.stream().map(e -> e.getName()).toList();
      for (String needed :
          List.of(
              "io/moc/indexing/IndexingJob.class",
              "io/moc/training/TrainingJob.class",
              "org/apache/flink/connector/kafka/source/KafkaSource.class",
              "org/apache/avro/Schema.class",
              "com/fasterxml/jackson/databind/JsonNode.class")) {
        assertTrue(entries.contains(needed), "the job jar lacks " + needed);
      }
      for (String forbidden :
          List.of("ai/djl/", "ai/onnxruntime/", "org/pytorch/", "org/apache/flink/runtime/")) {
        assertFalse(
            entries.stream().anyMatch(e -> e.startsWith(forbidden)),
            "the job jar carries " + forbidden + " (it belongs in Flink's lib/)");
      }
      // Kafka's compression natives (zstd-jni, snappy) are in it, as in any Kafka job jar: they
      // extract to a fresh file per class loader, so a restart loads them again. The model's
      // natives do not, and the models are large: both belong in lib/.
      List<String> model =
          entries.stream()
              .filter(
                  e ->
                      e.endsWith(".onnx")
                          || e.contains("onnxruntime")
                          || e.contains("tokenizers")
                          || e.contains("torch"))
              .toList();
      assertTrue(model.isEmpty(), "the job jar carries model natives or models: " + model);
    }
  }
}
