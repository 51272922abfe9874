package io.moc.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The JSON reports of {@code bin/moc}: records (components in snake_case, in declaration order) or
 * maps (keys in insertion order), indented.
 */
public final class JsonReport {

  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
          .enable(SerializationFeature.INDENT_OUTPUT)
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
}
