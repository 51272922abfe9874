package io.moc.common;

import static io.moc.common.ResourceOptions.DEFAULT_CPU_CORES;
import static io.moc.common.ResourceOptions.DEFAULT_MANAGED;
import static io.moc.common.ResourceOptions.DEFAULT_TASK_HEAP;
import static io.moc.common.ResourceOptions.DEFAULT_TASK_OFF_HEAP;
import static io.moc.common.ResourceOptions.FINE_GRAINED;
import static io.moc.common.ResourceOptions.GPU_GROUP_CPU_CORES;
import static io.moc.common.ResourceOptions.GPU_GROUP_GPUS;
import static io.moc.common.ResourceOptions.GPU_GROUP_MANAGED;
import static io.moc.common.ResourceOptions.GPU_GROUP_TASK_HEAP;
import static io.moc.common.ResourceOptions.GPU_GROUP_TASK_OFF_HEAP;

import org.apache.flink.api.common.operators.SlotSharingGroup;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The resource specs of {@link ResourceOptions}, read once and registered on a job's environment.
 */
public record SlotResources(
    boolean fineGrained, SlotSharingGroup defaultGroup, SlotSharingGroup gpuGroup) {

  /** Flink's name of the group every operator is in unless it names another. */
  public static final String DEFAULT_GROUP = "default";

  /** The external resource a GPU TaskManager declares ({@code external-resources: gpu}). */
  public static final String GPU_RESOURCE = "gpu";

  /**
   * @param gpuGroupName the embedding's slot-sharing group ({@code
   *     moc.embedding.slot-sharing-group})
   */
  public static SlotResources read(ReadableConfig config, String gpuGroupName) {
    SlotSharingGroup defaults =
        group(
            DEFAULT_GROUP,
            OptionChecks.atLeast(config, DEFAULT_CPU_CORES, Double.MIN_VALUE),
            config.get(DEFAULT_TASK_HEAP),
            config.get(DEFAULT_TASK_OFF_HEAP),
            config.get(DEFAULT_MANAGED),
            0);
    SlotSharingGroup gpu =
        group(
            gpuGroupName,
            OptionChecks.atLeast(config, GPU_GROUP_CPU_CORES, Double.MIN_VALUE),
            config.get(GPU_GROUP_TASK_HEAP),
            config.get(GPU_GROUP_TASK_OFF_HEAP),
            config.get(GPU_GROUP_MANAGED),
            OptionChecks.atLeast(config, GPU_GROUP_GPUS, 0));
    return new SlotResources(config.get(FINE_GRAINED), defaults, gpu);
  }

  private static SlotSharingGroup group(
      String name, double cpu, MemorySize heap, MemorySize offHeap, MemorySize managed, int gpus) {
    if (cpu <= 0) {
      throw new IllegalArgumentException("slot-sharing group " + name + ": cpu-cores must be > 0");
    }
    if (gpus < 0) {
      throw new IllegalArgumentException("slot-sharing group " + name + ": gpus must be >= 0");
    }
    SlotSharingGroup.Builder builder =
        SlotSharingGroup.newBuilder(name)
            .setCpuCores(cpu)
            .setTaskHeapMemory(heap)
            .setTaskOffHeapMemory(offHeap)
            .setManagedMemory(managed);
    if (gpus > 0) {
      builder.setExternalResource(GPU_RESOURCE, gpus);
    }
    return builder.build();
  }

  /**
   * Registers the specs on {@code env} when fine-grained resources are on; a no-op otherwise.
   *
   * @param withGpuGroup whether the job has an operator in the embedding's group
   */
  public void registerOn(StreamExecutionEnvironment env, boolean withGpuGroup) {
    if (!fineGrained) {
      return;
    }
    env.registerSlotSharingGroup(defaultGroup);
    if (withGpuGroup) {
      env.registerSlotSharingGroup(gpuGroup);
    }
  }
}
