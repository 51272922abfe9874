package io.moc.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.moc.audit.Audit;
import io.moc.report.JsonReport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunReportTest {

  private static RunReport report(Audit.Report audit) {
    return new RunReport(
        null,
        1,
        "synthetic",
        90.5,
        2400,
        2317,
        12000,
        2317,
        2500,
        3,
        Map.of("UNDECODABLE", 3L),
        2,
        Set.of(3L),
        4,
        0,
        38,
        71,
        2000,
        27.6,
        13,
        14,
        2,
        9728,
        0.73,
        0.707,
        null,
        null,
        null,
        null,
        audit,
        null);
  }

  @Test
  void shouldWriteARunReportInSnakeCaseInItsDeclaredOrderWithTheErrorFirst(@TempDir Path dir)
      throws Exception {
    Path file = JsonReport.write(dir.resolve("run.json"), report(null));
    JsonNode r = new ObjectMapper().readTree(file.toFile());
    List<String> keys = new ArrayList<>();
    r.fieldNames().forEachRemaining(keys::add);
    assertEquals("error", keys.get(0));
    assertTrue(r.get("error").isNull());
    assertEquals(2400, r.get("items_published_records").asLong());
    assertEquals(71, r.get("codes_latency_ms_p99").asLong());
    assertEquals(90.5, r.get("duration_s").asDouble());
    assertEquals(27.6, r.get("codes_per_s").asDouble());
    assertEquals(3, r.get("dead_letters_by_reason").get("UNDECODABLE").asLong());
    assertTrue(r.get("control_prequential_auc").isNull(), "null, not NaN, while undefined");
    assertFalse(r.has("audit"), "left out when no audit ran");
    assertFalse(r.has("offline_comparison"));
  }

  @Test
  void shouldNestTheAuditWithItsOutcomesBesideTheCounts(@TempDir Path dir) throws Exception {
    Audit.Report audit =
        new Audit.Report(
            new Audit.Report.Items(10, Map.of("coded", 8L, "dead_lettered", 2L), 9, 8),
            8,
            new Audit.Report.Impressions(50, 1, 49, 0),
            new Audit.Report.Codebooks(2, 0, 2, Set.of(), Set.of()),
            Set.of(),
            3,
            Map.of(),
            true,
            List.of());
    JsonNode r =
        new ObjectMapper()
            .readTree(JsonReport.write(dir.resolve("run.json"), report(audit)).toFile())
            .get("audit");
    assertEquals(10, r.get("items").get("records").asLong());
    assertEquals(8, r.get("items").get("coded").asLong());
    assertEquals(8, r.get("items").get("coded_keys").asLong());
    assertEquals(0, r.get("impressions").get("in_flight").asLong());
    assertEquals(2, r.get("codebooks").get("active_version").asLong());
    assertTrue(r.get("accounted_for").asBoolean());
    assertFalse(r.get("items").has("outcomes"), "the outcomes are keys of items");
  }
}
