package io.moc.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moc.indexing.IndexingJob;
import io.moc.indexing.IndexingOptions;
import io.moc.indexing.IndexingSettings;
import io.moc.training.TrainingJob;
import io.moc.training.TrainingOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.clusterframework.types.ResourceProfile;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.JobVertex;
import org.apache.flink.runtime.jobmanager.scheduler.SlotSharingGroup;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.junit.jupiter.api.Test;

/**
 * A savepoint is restored by operator uid: a uid renamed or removed leaves its state behind, and
 * the upgrade refuses to start (allowNonRestoredState is false). The committed list fails the build
 * before that happens on a cluster.
 */
class OperatorUidsTest {

  private static final String COMMITTED = "operator-uids.txt";

  private static List<String> uids(StreamExecutionEnvironment env, String job) {
    TreeSet<String> uids = new TreeSet<>();
    for (StreamNode node : env.getStreamGraph(false).getStreamNodes()) {
      assertNotNull(
          node.getTransformationUID(), job + ": " + node.getOperatorName() + " has no uid");
      uids.add(job + " " + node.getTransformationUID());
    }
    return List.copyOf(uids);
  }

  private static StreamExecutionEnvironment indexing(Configuration config) {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
    IndexingSettings settings = IndexingOptions.read(config);
    SlotResources.read(config, settings.embedSlotSharingGroup()).registerOn(env, true);
    IndexingJob.buildWithKafka(env, settings, IndexingJob.textEmbedder(settings));
    return env;
  }

  private static StreamExecutionEnvironment training(Configuration config) {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
    TrainingJob.buildWithKafka(env, TrainingOptions.read(config));
    return env;
  }

  @Test
  void shouldKeepEveryOperatorUidOfBothJobsAsCommitted() throws IOException {
    Configuration config = JobConfig.withRuntimeDefaults(new Configuration());
    List<String> actual = new ArrayList<>(uids(indexing(config), "indexing"));
    actual.addAll(uids(training(config), "training"));
    List<String> committed;
    try (InputStream in = OperatorUidsTest.class.getResourceAsStream(COMMITTED)) {
      committed =
          new String(in.readAllBytes(), StandardCharsets.UTF_8)
              .lines()
              .filter(l -> !l.isBlank() && !l.startsWith("#"))
              .toList();
    }
    assertEquals(
        committed,
        actual,
        "operator uids differ from src/test/resources/io/moc/common/"
            + COMMITTED
            + ": savepoints of the running jobs would not restore. Change a uid only with a state"
            + " migration, then update the file.");
  }

  /**
   * The names Flink gives an operator nobody named (the dashboard then shows "Map" or "Process" and
   * nothing says which function it is).
   */
  private static final Set<String> FLINK_DEFAULT_NAMES =
      Set.of(
          "Map",
          "Flat Map",
          "Filter",
          "Process",
          "KeyedProcess",
          "Co-Process",
          "Co-Keyed-Process",
          "Co-Process-Broadcast",
          "Co-Process-Broadcast-Keyed",
          "Source: Custom Source",
          "Custom Source",
          "Sink: Unnamed",
          "Unnamed",
          "Sink",
          "Writer",
          "Committer",
          "Sink Writer: Sink",
          "Sink Committer: Sink",
          "Timestamps/Watermarks",
          "Source: KafkaSource",
          "KafkaSource",
          "KafkaSink");

  private static void assertEveryOperatorNamed(StreamExecutionEnvironment env, String job) {
    Set<String> seen = new HashSet<>();
    for (StreamNode node : env.getStreamGraph(false).getStreamNodes()) {
      String name = node.getOperatorName();
      assertNotNull(name, job + ": " + node.getTransformationUID() + " has no name");
      String bare = name.replaceFirst("^(Source|Sink|Sink Writer|Sink Committer): ", "");
      assertFalse(
          FLINK_DEFAULT_NAMES.contains(name) || FLINK_DEFAULT_NAMES.contains(bare),
          job + ": " + node.getTransformationUID() + " has Flink's default name \"" + name + "\"");
      assertTrue(seen.add(name), job + ": two operators are named \"" + name + "\"");
    }
  }

  @Test
  void shouldGiveEveryOperatorOfBothJobsItsOwnReadableName() {
    Configuration config = JobConfig.withRuntimeDefaults(new Configuration());
    assertEveryOperatorNamed(indexing(config), "indexing");
    assertEveryOperatorNamed(training(config), "training");
  }

  @Test
  void shouldGiveTheDefaultAndTheEmbeddingGroupsTheirResourceSpecs() {
    Configuration config = JobConfig.withRuntimeDefaults(new Configuration());
    config.setString("moc.resources.fine-grained", "true");
    config.setString("moc.embedding.parallelism", "1");
    config.setString("parallelism.default", "2");
    JobGraph graph = indexing(config).getStreamGraph(false).getJobGraph();
    ResourceProfile gpu = null;
    ResourceProfile defaults = null;
    for (JobVertex vertex : graph.getVertices()) {
      if (vertex.getName().startsWith("Embed text")) {
        gpu = vertex.getSlotSharingGroup().getResourceProfile();
      } else if (vertex.getName().startsWith("Assign codes")) {
        defaults = vertex.getSlotSharingGroup().getResourceProfile();
      }
    }
    assertNotNull(gpu);
    assertNotNull(defaults);
    assertEquals(1.0, gpu.getExtendedResources().get("gpu").getValue().doubleValue());
    assertEquals(1.0, gpu.getCpuCores().getValue().doubleValue());
    assertEquals(0.5, defaults.getCpuCores().getValue().doubleValue());
    assertEquals(512, defaults.getTaskHeapMemory().getMebiBytes());
    assertEquals(
        true,
        defaults.getExtendedResources().isEmpty(),
        "default slots must not ask for a GPU: " + defaults);
    // Without fine-grained resources nothing is specified: a MiniCluster schedules as before.
    JobGraph plain =
        indexing(JobConfig.withRuntimeDefaults(new Configuration()))
            .getStreamGraph(false)
            .getJobGraph();
    for (SlotSharingGroup group : plain.getSlotSharingGroups()) {
      assertEquals(ResourceProfile.UNKNOWN, group.getResourceProfile(), group.toString());
    }
  }
}
