package io.moc.deploy.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;
import org.apache.flink.api.common.externalresource.ExternalResourceDriverFactory;
import org.apache.flink.api.common.externalresource.ExternalResourceInfo;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GpuDriverFactoryTest {

  @TempDir Path dir;

  private Set<? extends ExternalResourceInfo> retrieve(String command, long amount)
      throws Exception {
    Configuration params = new Configuration();
    params.set(GpuDriverFactory.DISCOVERY_COMMAND, command);
    return new GpuDriverFactory().createExternalResourceDriver(params).retrieveResourceInfo(amount);
  }

  private String script(String output) throws Exception {
    Path file = dir.resolve("fake-nvidia-smi");
    Files.writeString(file, "#!/bin/sh\nprintf '" + output + "'\n");
    assertTrue(file.toFile().setExecutable(true));
    return file.toString();
  }

  @Test
  void shouldBeFoundByFlinksServiceLoaderLookup() {
    List<String> factories = new ArrayList<>();
    ServiceLoader.load(ExternalResourceDriverFactory.class)
        .forEach(f -> factories.add(f.getClass().getName()));
    assertEquals(List.of(GpuDriverFactory.class.getName()), factories);
  }

  @Test
  void shouldReportTheDevicesDiscoveryListsUpToTheDeclaredAmount() throws Exception {
    String command = script("0, NVIDIA H200, 143771\\n1, NVIDIA H200, 143771\\n");
    Set<? extends ExternalResourceInfo> infos = retrieve(command, 1);
    assertEquals(1, infos.size());
    ExternalResourceInfo gpu = infos.iterator().next();
    assertEquals("0", gpu.getProperty(GpuInfo.INDEX).orElseThrow());
    assertEquals("NVIDIA H200", gpu.getProperty(GpuInfo.NAME).orElseThrow());
    assertEquals("143771", gpu.getProperty(GpuInfo.MEMORY_MIB).orElseThrow());
    assertEquals(2, retrieve(command, 4).size());
  }

  @Test
  void shouldReturnNoDeviceInsteadOfFailingWhenThereIsNoGpu() throws Exception {
    assertTrue(retrieve(dir.resolve("no-such-nvidia-smi").toString(), 1).isEmpty());
    assertTrue(retrieve(script(""), 1).isEmpty());
    Path failing = dir.resolve("failing");
    Files.writeString(failing, "#!/bin/sh\necho 'NVIDIA-SMI has failed' ; exit 9\n");
    assertTrue(failing.toFile().setExecutable(true));
    assertTrue(retrieve(failing.toString(), 1).isEmpty());
  }

  @Test
  void shouldSkipLinesThatAreNotGpus() {
    List<String> problems = new ArrayList<>();
    List<GpuInfo> gpus = GpuDiscovery.parse("0, A100, 40960\nNo devices were found\n", problems);
    assertEquals(List.of(new GpuInfo(0, "A100", 40960)), gpus);
    assertEquals(1, problems.size());
    assertFalse(problems.get(0).isEmpty());
  }

  @Test
  void shouldRejectANonPositiveAmount() {
    assertThrows(IllegalArgumentException.class, () -> retrieve("true", 0));
  }
}
