package io.moc.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** The JSON reports of {@code bin/moc}: one object, keys in insertion order, indented. */
public final class JsonReport {

  private JsonReport() {}

  /** Writes {@code report} to {@code file}, creating its folder; returns the absolute path. */
  public static Path write(Path file, Map<String, ?> report) throws Exception {
    Path target = file.toAbsolutePath();
    if (target.getParent() != null) {
      Files.createDirectories(target.getParent());
    }
    Files.writeString(
        target,
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report)
            + "\n",
        StandardCharsets.UTF_8);
    return target;
  }
}
