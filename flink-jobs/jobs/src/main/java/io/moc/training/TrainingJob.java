package io.moc.training;

import io.moc.avro.ModelSnapshot;
import io.moc.common.AvroRecordSerializer;
import io.moc.common.DeadLetterRecord;
import io.moc.common.DeadLetters;
import io.moc.common.GuardInputFunction;
import io.moc.common.JobConfig;
import io.moc.common.KafkaIo;
import io.moc.common.PublishedVersions;
import io.moc.common.RawRecord;
import io.moc.common.SlotResources;
import io.moc.ctr.online.ModelSnapshotEntry;
import io.moc.util.Murmur3;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The CTR training job: impressions joined with their items' codes into training examples, on which
 * the online trainer trains the CTR model and from which it publishes model snapshots; anything
 * unusable goes to the dead letters.
 */
public final class TrainingJob {

  // Not the bucket hash's seed: which replica trains a user is independent of its id row.
  private static final int REPLICA_SEED = 0x5eed_7e91;

  /** The most CTR trainer replicas: their max parallelism, which a restore must keep. */
  public static final int MAX_TRAINER_REPLICAS = 128;

  private TrainingJob() {}

  /** Where the job writes; tests plug in their own. */
  public record Sinks(Sink<ModelSnapshotEntry> ctrModels, Sink<DeadLetterRecord> deadLetters) {}

  /**
   * What the join produces: examples for the trainer, the decoded item codes, and the records it
   * could not use.
   */
  public record Joined(
      DataStream<TrainingExample> examples,
      DataStream<ItemCodesUpdate> codes,
      DataStream<DeadLetterRecord> deadLetters) {}

  /**
   * The topology, from raw impression and item-codes records to the sinks.
   *
   * @param publishedModels where the trainer learns, when it starts without state, the highest
   *     model version already published
   * @return the published model snapshots (also sent to the sink)
   */
  public static DataStream<ModelSnapshotEntry> build(
      TrainingSettings settings,
      PublishedVersions publishedModels,
      DataStream<RawRecord> impressions,
      DataStream<RawRecord> itemCodes,
      Sinks sinks) {
    return build(settings, publishedModels, CodebookVectors.NONE, impressions, itemCodes, sinks);
  }

  /**
   * The topology, from raw impression and item-codes records to the sinks.
   *
   * @param publishedModels where the trainer learns, when it starts without state, the highest
   *     model version already published
   * @param codebookVectors where a CODE_VECTORS model finds its codebook version's vectors
   * @return the published model snapshots (also sent to the sink)
   */
  public static DataStream<ModelSnapshotEntry> build(
      TrainingSettings settings,
      PublishedVersions publishedModels,
      CodebookVectors codebookVectors,
      DataStream<RawRecord> impressions,
      DataStream<RawRecord> itemCodes,
      Sinks sinks) {
    Joined joined = joined(settings, impressions, itemCodes);
    int replicas = settings.trainerParallelism();
    DataStream<TrainingExample> examples = joined.examples();
    DataStream<ItemCodesUpdate> codes = joined.codes();
    if (replicas > 1) {
      // Each replica trains on its share of the users (a user's rows move on one replica only, so
      // summing the replicas' changes applies each once); every replica keeps every item's codes.
      examples = examples.partitionCustom(TrainingJob::replicaOf, e -> e.userId);
      codes = codes.broadcast();
    }
    // At parallelism 1 one model, trained on every example in arrival order, pinned at max
    // parallelism 1 as it always was; above, replicas merged every averaging interval, which can be
    // rescaled among themselves (a replica restored with several partitions, or none, is made whole
    // by the first merge).
    SingleOutputStreamOperator<ModelSnapshotEntry> snapshots =
        examples
            .connect(codes)
            .transform(
                "Train CTR model (online)",
                TypeInformation.of(ModelSnapshotEntry.class),
                new TrainCtrOperator(settings.model(), publishedModels, codebookVectors))
            .uid("train-ctr-model")
            .setParallelism(replicas)
            .setMaxParallelism(replicas > 1 ? MAX_TRAINER_REPLICAS : 1);
    // Pinned like its producer: at the job's parallelism the sink would leave the chain, and its
    // state, saved with the chain's max parallelism 1, would not restore after a rescale.
    snapshots
        .sinkTo(sinks.ctrModels())
        .uid("ctr-models-sink")
        .name("ctr-models")
        .setParallelism(1)
        .setMaxParallelism(1);
    joined
        .deadLetters()
        .union(snapshots.getSideOutput(DeadLetters.TAG))
        .sinkTo(sinks.deadLetters())
        .uid("dead-letters-sink")
        .name("dead-letters");
    return snapshots;
  }

  /** The replica that trains a user's examples. */
  static int replicaOf(String userId, int replicas) {
    return Math.floorMod(Murmur3.hash32(userId, REPLICA_SEED), replicas);
  }

  /** Validates both inputs and joins them by item. */
  public static Joined joined(
      TrainingSettings settings,
      DataStream<RawRecord> impressions,
      DataStream<RawRecord> itemCodes) {
    SingleOutputStreamOperator<RawRecord> guardedImpressions =
        impressions
            .process(new GuardInputFunction(settings.input().impressions(), settings.kafka()))
            .uid("guard-impressions")
            .name("Guard impressions");
    SingleOutputStreamOperator<RawRecord> guardedCodes =
        itemCodes
            .process(new GuardInputFunction(settings.input().itemCodes(), null))
            .uid("guard-item-codes")
            .name("Guard item codes");
    SingleOutputStreamOperator<Impression> validated =
        guardedImpressions
            .process(new ValidateImpressionFunction())
            .uid("validate-impressions")
            .name("Validate impressions");
    SingleOutputStreamOperator<ItemCodesUpdate> codes =
        guardedCodes
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
        codes,
        guardedImpressions
            .getSideOutput(DeadLetters.TAG)
            .union(
                guardedCodes.getSideOutput(DeadLetters.TAG),
                validated.getSideOutput(DeadLetters.TAG),
                codes.getSideOutput(DeadLetters.TAG),
                examples.getSideOutput(DeadLetters.TAG)));
  }

  /** Kafka sources and sinks around {@link #build}: what a deployment runs. */
  public static DataStream<ModelSnapshotEntry> buildWithKafka(
      StreamExecutionEnvironment env, TrainingSettings settings) {
    KafkaIo kafka = new KafkaIo(settings.kafka());
    KafkaSource<RawRecord> impressionsSource =
        kafka.consumed(settings.impressionsTopic(), settings.groupId());
    // Always from the beginning, under a group of its own: the compacted topic holds every item's
    // current codes, which a fresh job needs for items whose codes were published long ago (a
    // restored job resumes from the offsets in its checkpoint instead).
    KafkaSource<RawRecord> itemCodesSource =
        kafka.whole(settings.itemCodesTopic(), settings.groupId() + "-item-codes");

    DataStream<RawRecord> impressions =
        env.fromSource(impressionsSource, WatermarkStrategy.noWatermarks(), "impressions")
            .uid("impressions-source")
            .name("impressions");
    DataStream<RawRecord> itemCodes =
        env.fromSource(itemCodesSource, WatermarkStrategy.noWatermarks(), "item-codes")
            .uid("item-codes-source")
            .name("item-codes");

    Sinks sinks =
        new Sinks(
            // Not transactional: a snapshot is visible as soon as it is published, not a
            // checkpoint later. Its number is still never published twice: a restored trainer
            // numbers above the highest on the topic (see TrainCtrOperator#publish), and the
            // idempotent producer never appends one record twice.
            kafka.atLeastOnce(modelSnapshotSerializer(settings.ctrModelsTopic())),
            kafka.deadLetters(settings.deadLettersTopic()));
    return build(
        settings,
        PublishedVersions.onTopic(settings.kafka(), settings.ctrModelsTopic()),
        CodebookVectors.onTopic(settings.kafka(), settings.codebooksTopic()),
        impressions,
        itemCodes,
        sinks);
  }

  /** Model snapshots keyed by their version number, as a decimal string. */
  public static AvroRecordSerializer<ModelSnapshotEntry, ModelSnapshot> modelSnapshotSerializer(
      String topic) {
    return AvroRecordSerializer.of(
        topic, ModelSnapshotEntry::toAvro, (e, s) -> AvroRecordSerializer.versionKey(e.version));
  }

  /** Runs the job on a cluster: {@code TrainingJob [--config file.yaml] [-Dkey=value ...]}. */
  public static void main(String[] args) throws Exception {
    Configuration config = JobConfig.requireCheckpointsDirectory(JobConfig.load(args));
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
    // The trainer has no operator in the embedding's group: only the default group's spec applies.
    SlotResources.read(config, SlotResources.DEFAULT_GROUP).registerOn(env, false);
    buildWithKafka(env, TrainingOptions.read(config));
    env.execute("moc training");
  }
}
