package io.moc.training;

import io.moc.common.DeadLetterRecord;
import io.moc.common.DeadLetters;
import io.moc.common.RawRecord;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

/**
 * The CTR training job: impressions joined with their items' codes into training examples, which
 * the online trainer consumes; anything unusable goes to the dead letters.
 */
public final class TrainingJob {

  private TrainingJob() {}

  /** Where the job writes; tests plug in their own. */
  public record Sinks(Sink<DeadLetterRecord> deadLetters) {}

  /** What the join produces: examples for the trainer, and the records it could not use. */
  public record Joined(
      DataStream<TrainingExample> examples, DataStream<DeadLetterRecord> deadLetters) {}

  /**
   * The topology, from raw impression and item-codes records to the sinks.
   *
   * @return the joined examples, where the online trainer attaches
   */
  public static DataStream<TrainingExample> build(
      TrainingSettings settings,
      DataStream<RawRecord> impressions,
      DataStream<RawRecord> itemCodes,
      Sinks sinks) {
    Joined joined = joined(settings, impressions, itemCodes);
    joined.deadLetters().sinkTo(sinks.deadLetters()).uid("dead-letters-sink").name("dead-letters");
    return joined.examples();
  }

  /** Validates both inputs and joins them by item. */
  public static Joined joined(
      TrainingSettings settings,
      DataStream<RawRecord> impressions,
      DataStream<RawRecord> itemCodes) {
    SingleOutputStreamOperator<Impression> validated =
        impressions
            .process(new ValidateImpressionFunction())
            .uid("validate-impressions")
            .name("Validate impressions");
    SingleOutputStreamOperator<ItemCodesUpdate> codes =
        itemCodes
            .process(new DecodeItemCodesFunction())
            .uid("decode-item-codes")
            .name("Decode item codes");
    // Impressions are keyed by user on Kafka: repartitioned here so an item's impressions meet
    // its codes in one keyed state.
    SingleOutputStreamOperator<TrainingExample> examples =
        validated
            .keyBy(i -> i.itemId)
            .connect(codes.keyBy(c -> c.itemId))
            .process(
                new JoinImpressionWithCodesFunction(
                    settings.maxPendingPerItem(), settings.joinTimeoutMillis()))
            .uid("join-impressions-codes")
            .name("Join impressions with codes");
    return new Joined(
        examples,
        validated
            .getSideOutput(DeadLetters.TAG)
            .union(codes.getSideOutput(DeadLetters.TAG), examples.getSideOutput(DeadLetters.TAG)));
  }
}
