package io.moc.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Peaks of this JVM's heap and of the process's resident memory since the last {@link #reset}, for
 * the benchmarks that run their jobs in this JVM (RocksDB and PyTorch live outside the heap, so
 * only RSS sees them).
 */
final class MemoryPeaks {

  private MemoryPeaks() {}

  /**
   * Collects garbage, then resets the heap pools' peaks and, where the kernel allows, the process's
   * peak RSS (writing 5 to /proc/self/clear_refs).
   *
   * @return whether the RSS peak was reset
   */
  static boolean reset() {
    System.gc();
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        pool.resetPeakUsage();
      }
    }
    try {
      Files.writeString(Path.of("/proc/self/clear_refs"), "5");
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  /** The sum of the heap pools' peaks: an upper bound of the heap's simultaneous peak. */
  static long heapPeakBytes() {
    long sum = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        sum += pool.getPeakUsage().getUsed();
      }
    }
    return sum;
  }

  /** VmHWM of /proc/self/status in bytes, or -1 where there is none. */
  static long rssPeakBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (Exception e) {
      // not Linux: reported as -1
    }
    return -1;
  }
}
