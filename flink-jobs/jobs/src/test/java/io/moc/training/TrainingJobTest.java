package io.moc.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moc.common.JobConfig;
import io.moc.common.RawRecord;
import io.moc.ctr.online.ModelSnapshotEntry;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.junit.jupiter.api.Test;

class TrainingJobTest {

  @Test
  void everyOperatorShouldHaveAStableUidAndTheSnapshotsShouldBeReturned() {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    TypeInformation<RawRecord> raw = TypeInformation.of(RawRecord.class);
    DataStream<RawRecord> impressions =
        env.fromData(raw, new RawRecord()).uid("impressions-source").name("impressions");
    DataStream<RawRecord> itemCodes =
        env.fromData(raw, new RawRecord()).uid("item-codes-source").name("item-codes");

    DataStream<ModelSnapshotEntry> snapshots =
        TrainingJob.build(
            TestImpressions.settings(10, 1000),
            () -> -1,
            impressions,
            itemCodes,
            new TrainingJob.Sinks(new DiscardingSink<>(), new DiscardingSink<>()));
    assertEquals(TypeInformation.of(ModelSnapshotEntry.class), snapshots.getType());

    StreamGraph graph = env.getStreamGraph();
    Set<String> uids =
        graph.getStreamNodes().stream()
            .map(StreamNode::getTransformationUID)
            .peek(uid -> assertNotNull(uid, "an operator without uid"))
            .collect(Collectors.toSet());
    assertTrue(
        uids.containsAll(
            Set.of(
                "validate-impressions",
                "decode-item-codes",
                "join-impressions-codes",
                "train-ctr-model",
                "ctr-models-sink",
                "dead-letters-sink")),
        uids.toString());
  }

  @Test
  void theKafkaTopologyShouldNameEveryOperatorAndSourceWithAUid() {
    Configuration config = JobConfig.withRuntimeDefaults(new Configuration());
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
    TrainingJob.buildWithKafka(env, TrainingOptions.read(config));

    StreamGraph graph = env.getStreamGraph();
    Set<String> uids =
        graph.getStreamNodes().stream()
            .peek(node -> assertNotNull(node.getTransformationUID(), node.getOperatorName()))
            .map(StreamNode::getTransformationUID)
            .collect(Collectors.toSet());
    assertTrue(
        uids.containsAll(Set.of("impressions-source", "item-codes-source", "train-ctr-model")),
        uids.toString());
  }

  @Test
  void shouldFeedEachTrainerReplicaItsUsersAndEveryReplicaEveryItemsCodes() {
    Configuration config = JobConfig.withRuntimeDefaults(new Configuration());
    config.set(TrainingOptions.TRAINER_PARALLELISM, 3);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
    TrainingJob.buildWithKafka(env, TrainingOptions.read(config));

    StreamGraph graph = env.getStreamGraph();
    StreamNode trainer =
        graph.getStreamNodes().stream()
            .filter(n -> "train-ctr-model".equals(n.getTransformationUID()))
            .findFirst()
            .orElseThrow();
    assertEquals(3, trainer.getParallelism());
    assertEquals(TrainingJob.MAX_TRAINER_REPLICAS, trainer.getMaxParallelism(), "rescalable");
    Set<String> partitioners =
        trainer.getInEdges().stream()
            .map(e -> e.getPartitioner().getClass().getSimpleName())
            .collect(Collectors.toSet());
    assertEquals(
        Set.of("CustomPartitionerWrapper", "BroadcastPartitioner"), partitioners, "by user; all");
    // The same user always goes to the same replica, and the users spread over all of them.
    Set<Integer> replicas = new java.util.HashSet<>();
    for (int u = 0; u < 100; u++) {
      int r = TrainingJob.replicaOf("user-" + u, 3);
      assertEquals(r, TrainingJob.replicaOf("user-" + u, 3));
      replicas.add(r);
    }
    assertEquals(Set.of(0, 1, 2), replicas);
  }

  @Test
  void mainShouldRequireACheckpointDirectory() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> TrainingJob.main(new String[] {"-Dmoc.kafka.bootstrap-servers=localhost:1"}));
    assertTrue(e.getMessage().contains("execution.checkpointing.dir"), e.getMessage());
  }
}
