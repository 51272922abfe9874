package io.moc.common;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import org.apache.flink.core.memory.DataInputViewStreamWrapper;
import org.apache.flink.core.memory.DataOutputViewStreamWrapper;
import org.apache.flink.runtime.state.OperatorStateCheckpointOutputStream;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StatePartitionStreamProvider;
import org.apache.flink.runtime.state.StateSnapshotContext;

/**
 * Large state of an operator that runs with max parallelism 1, as one raw operator state partition
 * behind a layout version. Flink 2.2's managed operator state reaches the checkpoint stream a byte
 * per call ({@code CompressibleFSDataOutputStream} has no bulk write), which made each checkpoint
 * of tens of MB cost seconds of CPU; this is written through a buffer on the task thread. With max
 * parallelism 1 the one partition always comes back whole (raw partitions are dealt out on a
 * rescale, never copied).
 */
public final class RawOperatorState {

  private static final int BUFFER = 1 << 16;

  /** Writes the operator's state. */
  @FunctionalInterface
  public interface Writer {
    void write(DataOutputViewStreamWrapper out) throws IOException;
  }

  /** Reads back what a {@link Writer} wrote. */
  @FunctionalInterface
  public interface Reader {
    void read(DataInputViewStreamWrapper in) throws IOException;
  }

  /** Reads back what a {@link Writer} wrote under any of the layouts it knows. */
  @FunctionalInterface
  public interface LayoutReader {
    void read(DataInputViewStreamWrapper in, int layout) throws IOException;
  }

  private RawOperatorState() {}

  /** Writes {@code layout}, then what {@code writer} writes, as this checkpoint's partition. */
  public static void write(StateSnapshotContext context, int layout, Writer writer)
      throws Exception {
    OperatorStateCheckpointOutputStream raw = context.getRawOperatorStateOutput();
    raw.startNewPartition();
    // Flushed, never closed: the stream is Flink's.
    DataOutputViewStreamWrapper out =
        new DataOutputViewStreamWrapper(new BufferedOutputStream(raw, BUFFER));
    out.writeInt(layout);
    writer.write(out);
    out.flush();
  }

  /**
   * Hands the restored partition to {@code reader}.
   *
   * @return false when the checkpoint has none (a fresh start, or state from before it was raw)
   * @throws IOException when the partition has another layout than {@code layout}
   */
  public static boolean read(StateInitializationContext context, int layout, Reader reader)
      throws Exception {
    return read(context, layout, layout, (in, written) -> reader.read(in));
  }

  /**
   * Hands each restored partition, with the layout it was written in, to {@code reader}: one
   * partition per subtask that wrote one, dealt out round-robin after a rescale (so a subtask may
   * get several, or none).
   *
   * @return false when the checkpoint has none for this subtask
   * @throws IOException when a partition has a layout outside {@code [oldest, newest]}
   */
  public static boolean read(
      StateInitializationContext context, int oldest, int newest, LayoutReader reader)
      throws Exception {
    boolean found = false;
    for (StatePartitionStreamProvider partition : context.getRawOperatorStateInputs()) {
      try (InputStream stream = partition.getStream()) {
        DataInputViewStreamWrapper in =
            new DataInputViewStreamWrapper(new BufferedInputStream(stream, BUFFER));
        int written = in.readInt();
        if (written < oldest || written > newest) {
          throw new IOException(
              "unknown state layout " + written + ", expected " + oldest + " to " + newest);
        }
        reader.read(in, written);
        found = true;
      }
    }
    return found;
  }
}
