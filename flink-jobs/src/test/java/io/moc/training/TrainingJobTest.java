package io.moc.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moc.common.RawRecord;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.junit.jupiter.api.Test;

class TrainingJobTest {

  @Test
  void everyOperatorShouldHaveAStableUidAndTheExamplesShouldBeReturnedForTheTrainer() {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    TypeInformation<RawRecord> raw = TypeInformation.of(RawRecord.class);
    DataStream<RawRecord> impressions =
        env.fromData(raw, new RawRecord()).uid("impressions-source").name("impressions");
    DataStream<RawRecord> itemCodes =
        env.fromData(raw, new RawRecord()).uid("item-codes-source").name("item-codes");

    DataStream<TrainingExample> examples =
        TrainingJob.build(
            TestImpressions.settings(10, 1000),
            impressions,
            itemCodes,
            new TrainingJob.Sinks(new DiscardingSink<>()));
    assertEquals(TypeInformation.of(TrainingExample.class), examples.getType());
    examples.sinkTo(new DiscardingSink<>()).uid("trainer-stand-in");

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
                "dead-letters-sink")),
        uids.toString());
  }
}
