package io.moc.common;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.MemorySize;

/**
 * Fine-grained resources of the jobs' slot-sharing groups, for a cluster with a GPU TaskManager
 * pool: the embedding's group asks for a GPU, and the default group asks for more task heap than a
 * GPU TaskManager offers, so that nothing else can take the GPU pool's slots. Off by default: a
 * MiniCluster has no GPU to offer.
 */
public final class ResourceOptions {

  private ResourceOptions() {}

  public static final ConfigOption<Boolean> FINE_GRAINED =
      ConfigOptions.key("moc.resources.fine-grained")
          .booleanType()
          .defaultValue(false)
          .withDescription(
              "Give the default and the embedding slot-sharing groups the resource specs below"
                  + " (Flink's fine-grained resource management); off, every slot is alike.");

  public static final ConfigOption<Double> DEFAULT_CPU_CORES =
      ConfigOptions.key("moc.resources.default.cpu-cores")
          .doubleType()
          .defaultValue(0.5)
          .withDescription("CPU cores of a default-group slot.");

  public static final ConfigOption<MemorySize> DEFAULT_TASK_HEAP =
      ConfigOptions.key("moc.resources.default.task-heap")
          .memoryType()
          .defaultValue(MemorySize.parse("512m"))
          .withDescription(
              "Task heap of a default-group slot; more than a GPU TaskManager's task heap keeps"
                  + " default slots off the GPU pool.");

  public static final ConfigOption<MemorySize> DEFAULT_TASK_OFF_HEAP =
      ConfigOptions.key("moc.resources.default.task-off-heap")
          .memoryType()
          .defaultValue(MemorySize.parse("64m"))
          .withDescription("Task off-heap memory of a default-group slot.");

  public static final ConfigOption<MemorySize> DEFAULT_MANAGED =
      ConfigOptions.key("moc.resources.default.managed")
          .memoryType()
          .defaultValue(MemorySize.parse("128m"))
          .withDescription("Managed memory (RocksDB) of a default-group slot.");

  public static final ConfigOption<Double> GPU_GROUP_CPU_CORES =
      ConfigOptions.key("moc.resources.gpu.cpu-cores")
          .doubleType()
          .defaultValue(1.0)
          .withDescription("CPU cores of an embedding slot.");

  public static final ConfigOption<MemorySize> GPU_GROUP_TASK_HEAP =
      ConfigOptions.key("moc.resources.gpu.task-heap")
          .memoryType()
          .defaultValue(MemorySize.parse("192m"))
          .withDescription("Task heap of an embedding slot.");

  public static final ConfigOption<MemorySize> GPU_GROUP_TASK_OFF_HEAP =
      ConfigOptions.key("moc.resources.gpu.task-off-heap")
          .memoryType()
          .defaultValue(MemorySize.parse("64m"))
          .withDescription("Task off-heap memory of an embedding slot.");

  public static final ConfigOption<MemorySize> GPU_GROUP_MANAGED =
      ConfigOptions.key("moc.resources.gpu.managed")
          .memoryType()
          .defaultValue(MemorySize.parse("64m"))
          .withDescription("Managed memory (RocksDB: the text fingerprints) of an embedding slot.");

  public static final ConfigOption<Integer> GPU_GROUP_GPUS =
      ConfigOptions.key("moc.resources.gpu.gpus")
          .intType()
          .defaultValue(1)
          .withDescription(
              "GPUs (external resource 'gpu') per embedding slot; 0 lets the group run anywhere.");
}
