package io.moc.bench;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.moc.codebook.Codebook;
import io.moc.codebook.methods.CodebookMethods;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code bin/moc bench assignment}: plain-Java code assignment, items per second on one core (the
 * calling thread), per method, on unit-norm random vectors; the methods are each other's baseline
 * in the same run.
 */
public final class AssignmentBenchmark {

  private final PrintStream console;

  public AssignmentBenchmark(PrintStream console) {
    this.console = console;
  }

  /** The figures: one row per method. */
  public record Report(
      int dimension, int numCodebooks, int codebookSize, int items, List<Row> rows) {}

  /** One method's assignment throughput. */
  public record Row(String method, @JsonProperty("items_per_s_per_core") long itemsPerSPerCore) {}

  public Report run(
      List<String> methods, int numCodebooks, int codebookSize, int dimension, int items)
      throws Exception {
    List<float[]> data = BenchData.unitVectors(items, dimension, 7);
    List<Row> rows = new ArrayList<>();
    for (String method : methods) {
      Codebook codebook =
          CodebookMethods.trainer(method, numCodebooks, codebookSize, 32, 5, 1)
              .train("bench", data.subList(0, Math.min(4000, items)));
      timed(() -> assignAll(codebook, data)); // warm-up: JIT
      double seconds = timed(() -> assignAll(codebook, data));
      rows.add(new Row(method, Math.round(items / seconds)));
      console.printf(
          "%-16s M=%d K=%d: %.0f items/s on one core%n",
          method, codebook.numCodebooks(), codebookSize, items / seconds);
    }
    return new Report(dimension, numCodebooks, codebookSize, items, rows);
  }

  private static long assignAll(Codebook codebook, List<float[]> data) {
    long checksum = 0;
    for (float[] x : data) {
      checksum += codebook.assign(x).codes()[0];
    }
    return checksum;
  }

  private static double timed(java.util.function.LongSupplier work) {
    long start = System.nanoTime();
    long sink = work.getAsLong();
    double seconds = (System.nanoTime() - start) / 1e9;
    if (sink == Long.MIN_VALUE) {
      throw new IllegalStateException(); // keeps the work from being optimised away
    }
    return seconds;
  }
}
