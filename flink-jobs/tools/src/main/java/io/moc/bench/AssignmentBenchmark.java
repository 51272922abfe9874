package io.moc.bench;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.moc.codebook.Assignment;
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

  /**
   * One method's assignment throughput, one item at a time and in batches of {@link #BATCH} (as the
   * indexer's re-coding pass assigns).
   */
  public record Row(
      String method,
      @JsonProperty("items_per_s_per_core") long itemsPerSPerCore,
      @JsonProperty("batch_items_per_s_per_core") long batchItemsPerSPerCore) {}

  /** Items per batch of the batched figure. */
  public static final int BATCH = 16;

  public Report run(
      List<String> methods, int numCodebooks, int codebookSize, int dimension, int items)
      throws Exception {
    List<float[]> data = BenchData.unitVectors(items, dimension, 7);
    List<Row> rows = new ArrayList<>();
    for (String method : methods) {
      Codebook codebook =
          CodebookMethods.trainer(method, numCodebooks, codebookSize, 32, 5, 1)
              .train("bench", data.subList(0, Math.min(4000, items)));
      itemsPerSecond(codebook, data, 1); // warm-up: JIT
      itemsPerSecond(codebook, data, BATCH);
      double rate = itemsPerSecond(codebook, data, 1);
      double batched = itemsPerSecond(codebook, data, BATCH);
      rows.add(new Row(method, Math.round(rate), Math.round(batched)));
      console.printf(
          "%-16s M=%d K=%d: %.0f items/s on one core, %.0f in batches of %d (%.2fx)%n",
          method, codebook.numCodebooks(), codebookSize, rate, batched, BATCH, batched / rate);
    }
    return new Report(dimension, numCodebooks, codebookSize, items, rows);
  }

  /** Items per second of assigning {@code data} on the calling thread, {@code batch} at a time. */
  static double itemsPerSecond(Codebook codebook, List<float[]> data, int batch) {
    return data.size() / timed(() -> assignAll(codebook, data, batch));
  }

  private static long assignAll(Codebook codebook, List<float[]> data, int batch) {
    long checksum = 0;
    if (batch == 1) {
      for (float[] x : data) {
        checksum += codebook.assign(x).codes()[0];
      }
      return checksum;
    }
    float[][] buffer = new float[batch][];
    for (int start = 0; start < data.size(); start += batch) {
      int count = Math.min(batch, data.size() - start);
      for (int i = 0; i < count; i++) {
        buffer[i] = data.get(start + i);
      }
      for (Assignment a : codebook.assign(buffer, count)) {
        checksum += a.codes()[0];
      }
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
