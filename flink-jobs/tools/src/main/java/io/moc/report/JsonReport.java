package io.moc.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The JSON reports of {@code bin/moc}: records, components in snake_case and in declaration order,
 * indented.
 */
public final class JsonReport {

  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
          .enable(SerializationFeature.INDENT_OUTPUT)
          // Reports written by older versions carry keys since dropped.
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .build();

  private JsonReport() {}

  /** Writes {@code report} to {@code file}, creating its folder; returns the absolute path. */
  public static Path write(Path file, Object report) throws Exception {
    Path target = file.toAbsolutePath();
    if (target.getParent() != null) {
      Files.createDirectories(target.getParent());
    }
    Files.writeString(target, MAPPER.writeValueAsString(report) + "\n", StandardCharsets.UTF_8);
    return target;
  }

  /** {@code value} as one line of JSON, for JSON-lines files that are appended to as work ends. */
  public static String line(Object value) throws JsonProcessingException {
    return MAPPER.writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsString(value);
  }

  /** Parses one JSON document (a line of a JSON-lines file). */
  public static JsonNode tree(String json) throws JsonProcessingException {
    return MAPPER.readTree(json);
  }

  /** Reads a report record back from its JSON, as {@link #write} wrote it. */
  public static <T> T read(JsonNode json, Class<T> type) throws JsonProcessingException {
    return MAPPER.treeToValue(json, type);
  }
}
