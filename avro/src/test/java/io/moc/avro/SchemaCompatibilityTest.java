package io.moc.avro;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Fails the build when a topic schema stops being fully compatible with its latest released version
 * (src/main/resources/io/moc/avro/history), or cannot read any released version: consumers and
 * producers of either version must keep working during a rolling upgrade, and old records stay on
 * compacted topics. Releasing a changed schema adds it there as the next version.
 */
class SchemaCompatibilityTest {

  private static final Path CURRENT = Path.of("src/main/avro");

  private static List<Path> schemas(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.toString().endsWith(".avsc")).sorted().toList();
    }
  }

  private static Schema parse(Path file) throws IOException {
    return new Schema.Parser().parse(file.toFile());
  }

  @TestFactory
  List<DynamicTest> everySchemaShouldBeFullyCompatibleWithItsLatestReleaseAndReadEveryRelease()
      throws IOException {
    List<DynamicTest> tests = new ArrayList<>();
    for (Path file : schemas(CURRENT)) {
      tests.add(
          DynamicTest.dynamicTest(
              file.getFileName().toString(),
              () -> {
                Schema current = parse(file);
                List<SchemaHistory.Released> released = SchemaHistory.released(current.getName());
                assertFalse(released.isEmpty(), "no released version of " + current.getName());
                assertFullyCompatible(current, released.get(released.size() - 1).schema());
                for (SchemaHistory.Released r : released) {
                  assertEquals(
                      SchemaCompatibilityType.COMPATIBLE,
                      SchemaCompatibility.checkReaderWriterCompatibility(current, r.schema())
                          .getType(),
                      current.getName() + " cannot read its version " + r.version());
                }
              }));
    }
    return tests;
  }

  static void assertFullyCompatible(Schema current, Schema previous) {
    var readsOld = SchemaCompatibility.checkReaderWriterCompatibility(current, previous);
    assertEquals(
        SchemaCompatibilityType.COMPATIBLE,
        readsOld.getType(),
        current.getName()
            + " cannot read data written with the previous schema: "
            + readsOld.getDescription());
    var oldReadsNew = SchemaCompatibility.checkReaderWriterCompatibility(previous, current);
    assertEquals(
        SchemaCompatibilityType.COMPATIBLE,
        oldReadsNew.getType(),
        "consumers on the previous "
            + current.getName()
            + " cannot read new data: "
            + oldReadsNew.getDescription());
  }

  @Test
  void shouldDetectAnIncompatibleChange() {
    Schema previous =
        new Schema.Parser()
            .parse(
                "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"string\"}]}");
    // A new required field without a default breaks readers of old data.
    Schema breaking =
        new Schema.Parser()
            .parse(
                "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"string\"},"
                    + "{\"name\":\"b\",\"type\":\"int\"}]}");
    assertFalse(
        SchemaCompatibility.checkReaderWriterCompatibility(breaking, previous).getType()
            == SchemaCompatibilityType.COMPATIBLE);
  }

  @TestFactory
  List<DynamicTest> everyFieldShouldBeDocumented() throws IOException {
    List<DynamicTest> tests = new ArrayList<>();
    for (Path current : schemas(CURRENT)) {
      tests.add(
          DynamicTest.dynamicTest(
              current.getFileName().toString(),
              () -> {
                Schema schema = parse(current);
                assertTrue(schema.getDoc() != null && !schema.getDoc().isBlank(), schema.getName());
                for (Schema.Field field : schema.getFields()) {
                  assertTrue(
                      field.doc() != null && !field.doc().isBlank(),
                      schema.getName() + "." + field.name() + " has no doc");
                }
              }));
    }
    return tests;
  }
}
