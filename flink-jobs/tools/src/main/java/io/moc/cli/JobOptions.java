package io.moc.cli;

import io.moc.common.JobConfig;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine.Option;

/** Job options of a command: {@code -Dkey=value}, over a YAML file where the command reads one. */
final class JobOptions {

  /** {@code -Dkey=value} alone, for the benchmarks that start from the jobs' defaults. */
  static final class Overrides {
    @Option(
        names = "-D",
        paramLabel = "key=value",
        description = "Set one job option (see flink-jobs/README.md), e.g. -Dmoc.codebook.size=64.")
    Map<String, String> values = new LinkedHashMap<>();

    Configuration configuration() {
      return Configuration.fromMap(values);
    }
  }

  /** {@code --config FILE} (default config/local.yaml when present) and {@code -Dkey=value}. */
  static final class WithFile {
    @Option(
        names = "--config",
        paramLabel = "FILE",
        description = "Job options in YAML (default config/local.yaml when present).")
    Path file;

    @Option(
        names = "-D",
        paramLabel = "key=value",
        description = "Set one job option over the file's (see flink-jobs/README.md).")
    Map<String, String> overrides = new LinkedHashMap<>();

    /** The file's options (when there is one) with the overrides on top. */
    Configuration configuration() throws Exception {
      return read(file, overrides);
    }
  }

  /**
   * The options of {@code file} (the home's config/local.yaml when null and present) with {@code
   * overrides} on top.
   *
   * @throws IllegalArgumentException when {@code file} is given but does not exist
   */
  static Configuration read(Path file, Map<String, String> overrides) throws Exception {
    if (file != null && !Files.isRegularFile(file)) {
      throw new IllegalArgumentException("--config " + file + " does not exist");
    }
    Path yaml = file != null ? file : MocCommand.home().resolve("config/local.yaml");
    Map<String, String> values = new LinkedHashMap<>();
    if (Files.isRegularFile(yaml)) {
      values.putAll(JobConfig.readYaml(new File(yaml.toString())));
    }
    values.putAll(overrides);
    return Configuration.fromMap(values);
  }

  private JobOptions() {}
}
