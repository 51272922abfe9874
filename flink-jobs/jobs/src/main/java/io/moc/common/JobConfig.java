package io.moc.common;

import java.io.File;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.YamlParserUtils;

/**
 * Loads a job's configuration: a YAML file (nested or dotted keys, as Flink's own config.yaml) and
 * {@code -Dkey=value} overrides, on top of the runtime defaults every moc job wants.
 */
public final class JobConfig {

  private JobConfig() {}

  /** Parses {@code [--config file.yaml] [-Dkey=value ...]}. */
  public static Configuration load(String[] args) throws Exception {
    Map<String, String> values = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--config") && i + 1 < args.length) {
        values.putAll(readYaml(new File(args[++i])));
      } else if (arg.startsWith("-D") && arg.contains("=")) {
        int eq = arg.indexOf('=');
        values.put(arg.substring(2, eq), arg.substring(eq + 1));
      } else {
        throw new IllegalArgumentException(
            "unknown argument " + arg + "; use --config FILE or -Dkey=value");
      }
    }
    return withRuntimeDefaults(Configuration.fromMap(values));
  }

  /**
   * {@code config}, once it names a durable checkpoint directory: without one, checkpoints live in
   * the JobManager's memory, and a failover loses the jobs' state (held items, the model).
   *
   * @throws IllegalArgumentException when it names none
   */
  public static Configuration requireCheckpointsDirectory(Configuration config) {
    if (!config.contains(CheckpointingOptions.CHECKPOINTS_DIRECTORY)) {
      throw new IllegalArgumentException(
          "set "
              + CheckpointingOptions.CHECKPOINTS_DIRECTORY.key()
              + " (for example s3://bucket/moc)");
    }
    return config;
  }

  /** Flattens a YAML file into dotted keys. */
  public static Map<String, String> readYaml(File file) throws Exception {
    Map<String, String> flat = new LinkedHashMap<>();
    flatten("", YamlParserUtils.loadYamlFile(file), flat);
    return flat;
  }

  @SuppressWarnings("unchecked")
  private static void flatten(String prefix, Map<String, Object> tree, Map<String, String> flat) {
    for (Map.Entry<String, Object> e : tree.entrySet()) {
      String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
      if (e.getValue() instanceof Map<?, ?> child) {
        flatten(key, (Map<String, Object>) child, flat);
      } else if (e.getValue() instanceof java.util.List<?> list) {
        flat.put(key, String.join(";", list.stream().map(String::valueOf).toList()));
      } else if (e.getValue() != null) {
        flat.put(key, String.valueOf(e.getValue()));
      }
    }
  }

  /**
   * RocksDB with incremental checkpoints every 10 s, a 5 ms buffer timeout and no Kryo fallback
   * unless configured otherwise: item state grows with the catalog, and re-coding must not make
   * checkpoints copy all of it each time.
   */
  public static Configuration withRuntimeDefaults(Configuration config) {
    Configuration c = new Configuration(config);
    if (!c.contains(StateBackendOptions.STATE_BACKEND)) {
      c.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
    }
    if (!c.contains(CheckpointingOptions.INCREMENTAL_CHECKPOINTS)) {
      c.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
    }
    if (!c.contains(CheckpointingOptions.CHECKPOINTING_INTERVAL)) {
      c.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofSeconds(10));
    }
    if (!c.contains(PipelineOptions.GENERIC_TYPES)) {
      // Every type in flight or in state is a Flink POJO: fail at submission rather than let a
      // new field fall back to Kryo, whose state cannot evolve.
      c.set(PipelineOptions.GENERIC_TYPES, false);
    }
    if (!c.contains(ExecutionOptions.BUFFER_TIMEOUT)) {
      // Codes are due within a second of an item's arrival: do not let network buffers wait 100 ms
      // per shuffle for more records.
      c.set(ExecutionOptions.BUFFER_TIMEOUT, Duration.ofMillis(5));
    }
    return c;
  }
}
