package io.moc.it;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The command line the end-to-end tests run {@code bin/moc local} with. */
final class LocalArgs {

  private LocalArgs() {}

  /**
   * {@code local} for {@code duration} with its report ({@code report.json}) and work folder in
   * {@code dir}, a free broker port pair and any free dashboard port, then {@code extra}.
   */
  static List<String> local(Path dir, String duration, String... extra) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "local",
                "--duration",
                duration,
                "--report",
                dir.resolve("report.json").toString(),
                "--kafka-port",
                String.valueOf(Ports.freePair()),
                "--ui-port",
                "0",
                "--work-dir",
                dir.resolve("work").toString()));
    args.addAll(List.of(extra));
    return args;
  }
}
