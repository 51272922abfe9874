package io.moc.deploy.gpu;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.api.common.externalresource.ExternalResourceInfo;

/**
 * One GPU as a task sees it through {@code getExternalResourceInfos("gpu")}: its device index
 * ({@value #INDEX}, what CUDA calls it) and, when discovery reported them, its name and memory.
 */
public record GpuInfo(int index, String name, long memoryMiB) implements ExternalResourceInfo {

  /** The key every consumer needs: the CUDA device index. */
  public static final String INDEX = "index";

  public static final String NAME = "name";
  public static final String MEMORY_MIB = "memory-mib";

  @Override
  public Optional<String> getProperty(String key) {
    return Optional.ofNullable(properties().get(key));
  }

  @Override
  public Collection<String> getKeys() {
    return List.of(INDEX, NAME, MEMORY_MIB);
  }

  private Map<String, String> properties() {
    return Map.of(INDEX, Integer.toString(index), NAME, name, MEMORY_MIB, Long.toString(memoryMiB));
  }
}
