package io.moc.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The dataset an offline command reads: {@code --data DIR}, required. */
final class DatasetOption {

  @Option(
      names = "--data",
      required = true,
      paramLabel = "DIR",
      description = "Dataset in the ../shared/data format.")
  Path data;
}
