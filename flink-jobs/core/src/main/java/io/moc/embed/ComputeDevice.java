package io.moc.embed;

import java.io.Serializable;

/**
 * Where a model runs: the CPU, or the CUDA device with this index (what the TaskManager's GPU
 * driver reported for the slot).
 */
public record ComputeDevice(int cudaIndex) implements Serializable {

  private static final long serialVersionUID = 1L;

  public static final ComputeDevice CPU = new ComputeDevice(-1);

  public ComputeDevice {
    if (cudaIndex < -1) {
      throw new IllegalArgumentException("a CUDA index is >= 0 (or -1 for the CPU): " + cudaIndex);
    }
  }

  public static ComputeDevice cuda(int index) {
    if (index < 0) {
      throw new IllegalArgumentException("a CUDA index is >= 0: " + index);
    }
    return new ComputeDevice(index);
  }

  public boolean isGpu() {
    return cudaIndex >= 0;
  }

  @Override
  public String toString() {
    return isGpu() ? "cuda:" + cudaIndex : "cpu";
  }
}
