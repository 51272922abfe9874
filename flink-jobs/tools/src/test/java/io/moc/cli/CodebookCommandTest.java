package io.moc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.moc.codebook.Codebook;
import io.moc.codebook.CodebookCodec;
import io.moc.source.SharedData;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bin/moc codebook train|eval} on a slice of Amazon Beauty with the real model. */
class CodebookCommandTest {

  private static Path beauty;

  @TempDir static Path home;

  @BeforeAll
  static void requireData() {
    beauty = SharedData.dataset("amazon-beauty");
    System.setProperty("moc.home", home.toString());
  }

  private static String run(String... args) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int rc = MocCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
    String console = out.toString(StandardCharsets.UTF_8);
    assertEquals(0, rc, console);
    return console;
  }

  @Test
  void shouldTrainACodebookAndWriteItsArtifactAndMetrics(@TempDir Path out) throws Exception {
    run(
        "codebook",
        "train",
        "--data",
        beauty.toString(),
        "--limit",
        "300",
        "--method",
        "pq",
        "--codebooks",
        "3",
        "--size",
        "16",
        "--out",
        out.toString());

    Codebook codebook =
        CodebookCodec.deserialize("pq", Files.readAllBytes(out.resolve("codebook.bin")));
    assertEquals(3, codebook.numCodebooks());
    assertEquals(384, codebook.dimension());
    JsonNode metrics = new ObjectMapper().readTree(out.resolve("metrics.json").toFile());
    assertEquals(300, metrics.get("items").asInt());
    assertEquals(
        CodebookCodec.sha256(Files.readAllBytes(out.resolve("codebook.bin"))),
        metrics.get("sha256").asText());
    assertTrue(metrics.get("discriminability").asDouble() > 0.5, metrics.toString());
  }

  @Test
  void shouldCompareMethodsAcrossScalesWithMeanAndStdOverSeeds(@TempDir Path out) throws Exception {
    Path report = out.resolve("eval.json");
    run(
        "codebook",
        "eval",
        "--data",
        beauty.toString(),
        "--limit",
        "300",
        "--size",
        "16",
        "--methods",
        "kmeans,pq,moc",
        "--scales",
        "1,2",
        "--seeds",
        "2",
        "--report",
        report.toString());

    JsonNode rows = new ObjectMapper().readTree(report.toFile()).get("rows");
    // kmeans only at 1x; pq and the multi-codebook VQ-VAE at 1x and 2x.
    assertEquals(5, rows.size());
    for (JsonNode row : rows) {
      for (String key :
          new String[] {
            "method",
            "scale",
            "collision_rate",
            "discriminability",
            "information_abundance",
            "recon_error",
            "usage",
            "train_seconds",
            "discriminability_std"
          }) {
        assertTrue(row.has(key), key + " missing in " + row);
      }
      assertEquals(2, row.get("seeds").asInt());
    }
    String svg = Files.readString(out.resolve("eval.svg"));
    assertTrue(svg.startsWith("<svg") && svg.contains("Discriminability vs scale"), svg);
    byte[] png = Files.readAllBytes(out.resolve("eval.png"));
    assertTrue(png.length > 1000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', "a PNG");
  }
}
