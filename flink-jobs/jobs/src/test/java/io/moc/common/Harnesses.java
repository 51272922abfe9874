package io.moc.common;

import java.nio.file.Path;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;

/** Starting operator test harnesses the way every operator test of the jobs does. */
public final class Harnesses {

  private Harnesses() {}

  /**
   * Sets {@code harness} up on {@code backend} (null: the heap), restores it from {@code
   * restoreFrom} (null: empty state) and opens it.
   */
  public static <H extends AbstractStreamOperatorTestHarness<?>> H started(
      H harness, StateBackend backend, OperatorSubtaskState restoreFrom) throws Exception {
    if (backend != null) {
      harness.setStateBackend(backend);
    }
    harness.setup();
    if (restoreFrom == null) {
      harness.initializeEmptyState();
    } else {
      harness.initializeState(restoreFrom);
    }
    harness.open();
    return harness;
  }

  /** Real RocksDB state under {@code dir}, as the jobs run with. */
  public static StateBackend rocksDb(Path dir) {
    EmbeddedRocksDBStateBackend rocksDb = new EmbeddedRocksDBStateBackend();
    rocksDb.setDbStoragePath(dir.toString());
    return rocksDb;
  }
}
