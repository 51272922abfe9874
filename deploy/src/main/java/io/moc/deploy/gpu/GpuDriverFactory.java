package io.moc.deploy.gpu;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.externalresource.ExternalResourceDriver;
import org.apache.flink.api.common.externalresource.ExternalResourceDriverFactory;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver behind {@code external-resource.gpu.driver-factory.class} on a GPU TaskManager. Flink
 * 2.2 ships no GPU driver artifact (flink-external-resource-gpu stops at 2.0), so this one is ours,
 * loaded as a plugin ({@code plugins/moc-gpu/}, {@code META-INF/services}).
 *
 * <p>The amount ({@code external-resource.gpu.amount}) is what the scheduler places slots by; this
 * driver says which devices those are. It never fails the TaskManager: where discovery finds fewer
 * GPUs than declared it returns what it found (possibly none), logs why, and the tasks that asked
 * for a GPU fall back to CPU.
 */
public final class GpuDriverFactory implements ExternalResourceDriverFactory {

  /** Parameters, under {@code external-resource.gpu.param.}. */
  public static final ConfigOption<String> DISCOVERY_COMMAND =
      ConfigOptions.key("discovery-command")
          .stringType()
          .defaultValue(String.join(" ", GpuDiscovery.NVIDIA_SMI))
          .withDescription(
              "Command that prints one 'index, name, memory MiB' line per GPU, split on spaces.");

  public static final ConfigOption<Duration> DISCOVERY_TIMEOUT =
      ConfigOptions.key("discovery-timeout")
          .durationType()
          .defaultValue(Duration.ofSeconds(10))
          .withDescription("How long the discovery command may take.");

  @Override
  public ExternalResourceDriver createExternalResourceDriver(Configuration config) {
    List<String> command =
        Arrays.stream(config.get(DISCOVERY_COMMAND).trim().split("\\s+")).toList();
    return new Driver(command, config.get(DISCOVERY_TIMEOUT));
  }

  private record Driver(List<String> command, Duration timeout) implements ExternalResourceDriver {

    private static final Logger LOG = LoggerFactory.getLogger(GpuDriverFactory.class);

    @Override
    public Set<GpuInfo> retrieveResourceInfo(long amount) {
      if (amount <= 0) {
        throw new IllegalArgumentException("the gpu amount must be positive, is " + amount);
      }
      List<String> problems = new ArrayList<>();
      List<GpuInfo> found = GpuDiscovery.run(command, timeout, problems);
      Set<GpuInfo> assigned =
          new LinkedHashSet<>(found.subList(0, (int) Math.min(amount, found.size())));
      if (assigned.size() < amount) {
        LOG.warn(
            "This TaskManager declares {} GPU(s) but discovery found {} ({}); tasks that ask for"
                + " a GPU run on CPU here.",
            amount,
            found.size(),
            problems.isEmpty() ? "no device listed" : String.join("; ", problems));
      } else {
        LOG.info("GPUs of this TaskManager: {}", assigned);
      }
      return assigned;
    }
  }
}
