package io.moc.deploy.gpu;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Finds the GPUs of this machine by running {@code nvidia-smi} (or a command that prints the same
 * CSV: {@code index, name, memory.total [MiB]} per line). No command, a failing command or no line
 * all mean no GPU: a TaskManager without one must still start, and its tasks then run on CPU.
 */
public final class GpuDiscovery {

  /** The query the default command runs. */
  public static final List<String> NVIDIA_SMI =
      List.of("nvidia-smi", "--query-gpu=index,name,memory.total", "--format=csv,noheader,nounits");

  private GpuDiscovery() {}

  /** What {@code command} reports, or nothing, with why in {@code problems}. */
  public static List<GpuInfo> run(List<String> command, Duration timeout, List<String> problems) {
    Process process;
    try {
      process = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      problems.add("cannot run " + command.get(0) + ": " + e.getMessage());
      return List.of();
    }
    try {
      byte[] out = process.getInputStream().readAllBytes();
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        problems.add(command.get(0) + " did not answer within " + timeout);
        return List.of();
      }
      String text = new String(out, StandardCharsets.UTF_8);
      if (process.exitValue() != 0) {
        problems.add(command.get(0) + " exited with " + process.exitValue() + ": " + text.strip());
        return List.of();
      }
      return parse(text, problems);
    } catch (IOException e) {
      problems.add("reading " + command.get(0) + " failed: " + e.getMessage());
      return List.of();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      return List.of();
    }
  }

  /** Parses {@code index, name, memory} lines; a line that does not parse is reported, not used. */
  public static List<GpuInfo> parse(String csv, List<String> problems) {
    List<GpuInfo> gpus = new ArrayList<>();
    for (String line : csv.split("\\R")) {
      if (line.isBlank()) {
        continue;
      }
      String[] fields = line.split(",");
      try {
        int index = Integer.parseInt(fields[0].strip());
        String name = fields.length > 1 ? fields[1].strip() : "unknown";
        long memory = fields.length > 2 ? Long.parseLong(fields[2].strip()) : -1;
        if (index < 0) {
          throw new NumberFormatException("negative index");
        }
        gpus.add(new GpuInfo(index, name, memory));
      } catch (NumberFormatException e) {
        problems.add("not a GPU line: '" + line.strip() + "'");
      }
    }
    return gpus;
  }
}
