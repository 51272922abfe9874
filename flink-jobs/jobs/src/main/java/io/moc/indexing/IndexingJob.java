package io.moc.indexing;

import io.moc.common.DeadLetterRecord;
import io.moc.common.DeadLetters;
import io.moc.common.GuardInputFunction;
import io.moc.common.JobConfig;
import io.moc.common.KafkaIo;
import io.moc.common.PublishedVersions;
import io.moc.common.RawRecord;
import io.moc.common.SlotResources;
import io.moc.embed.SentenceEmbedder;
import io.moc.embed.TextEmbedderFactory;
import io.moc.embed.TextModel;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The indexing job: items from Kafka are validated, embedded in micro-batches and coded with the
 * newest codebook version; codes go to the compacted item-codes topic, anything unusable to the
 * dead letters, and the first codebook is trained from the job's own embeddings.
 */
public final class IndexingJob {

  private IndexingJob() {}

  /** Where the job writes; tests plug in their own. */
  public record Sinks(
      Sink<CodedItem> itemCodes,
      Sink<CodebookEntry> codebooks,
      Sink<DeadLetterRecord> deadLetters) {}

  /**
   * The topology, from raw item and codebook records to the sinks.
   *
   * @param publishedVersions where the codebook trainer learns, when it starts without state, the
   *     highest version already published
   */
  public static void build(
      IndexingSettings settings,
      TextEmbedderFactory embedder,
      PublishedVersions publishedVersions,
      DataStream<RawRecord> items,
      DataStream<RawRecord> codebookRecords,
      Sinks sinks) {
    // Chained operators hand records on without a copy (an item's record and embedding are 3 kB):
    // every operator here emits objects it never touches again, and those that keep their inputs
    // (the embedding buffer, the trainer's sample) keep arrays that nothing writes to.
    items.getExecutionEnvironment().getConfig().enableObjectReuse();

    SingleOutputStreamOperator<RawRecord> guardedItems =
        items
            .process(new GuardInputFunction(settings.input().items(), settings.kafka()))
            .uid("guard-items")
            .name("Guard items");
    SingleOutputStreamOperator<ItemUpdate> validated =
        guardedItems
            .process(new ValidateItemFunction(settings))
            .uid("validate-items")
            .name("Validate items");

    // Keyed by item so that per-item order holds even when the embedding pool (slot-sharing
    // group "gpu") runs with another parallelism than the rest of the job.
    SingleOutputStreamOperator<EmbeddedItem> embedded =
        validated
            .keyBy(u -> u.itemId)
            .transform(
                "Embed text (micro-batches)",
                TypeInformation.of(EmbeddedItem.class),
                new EmbedTextOperator(
                    embedder,
                    settings.embeddingModel(),
                    settings.embeddingDimension(),
                    settings.embedBatchSize(),
                    settings.embedMaxWaitMillis(),
                    !settings.holdEmbeddings()))
            .uid("embed-text")
            .slotSharingGroup(settings.embedSlotSharingGroup());
    if (settings.embedParallelism() > 0) {
      embedded.setParallelism(settings.embedParallelism());
    }

    SingleOutputStreamOperator<RawRecord> guardedCodebooks =
        codebookRecords
            .process(new GuardInputFunction(settings.input().codebooks(), null))
            .uid("guard-codebooks")
            .name("Guard codebook versions")
            .setParallelism(1);
    SingleOutputStreamOperator<CodebookEntry> codebooks =
        guardedCodebooks
            .process(new ValidateCodebookFunction(settings))
            .uid("validate-codebooks")
            .name("Validate codebook versions")
            .setParallelism(1);
    SingleOutputStreamOperator<CodedItem> coded =
        embedded
            .keyBy(e -> e.itemId)
            // Broadcast partitioning only: the operator keeps the versions in broadcast state.
            .connect(codebooks.broadcast())
            .transform(
                "Assign codes",
                TypeInformation.of(CodedItem.class),
                new AssignCodesOperator(
                    settings.lifecycle().recodeChunkItems(),
                    settings.lifecycle().recodeChunkMillis(),
                    settings.recodeThreads(),
                    // Without held embeddings a new version re-embeds the texts here.
                    settings.holdEmbeddings() ? null : embedder))
            .uid("assign-codes")
            .name("Assign codes");

    SingleOutputStreamOperator<CodebookEntry> trained =
        embedded
            .connect(codebooks)
            .transform(
                "Train codebook",
                TypeInformation.of(CodebookEntry.class),
                new TrainCodebookOperator(settings, publishedVersions))
            .uid("train-codebook")
            .name("Train codebook")
            .setParallelism(1)
            .setMaxParallelism(1);

    coded.sinkTo(sinks.itemCodes()).uid("item-codes-sink").name("item-codes");
    // Pinned like the trainer: at the job's parallelism the sink would leave the chain, and its
    // state, saved with the chain's max parallelism 1, would not restore after a rescale.
    trained
        .sinkTo(sinks.codebooks())
        .uid("codebooks-sink")
        .name("codebooks")
        .setParallelism(1)
        .setMaxParallelism(1);
    guardedItems
        .getSideOutput(DeadLetters.TAG)
        .union(
            guardedCodebooks.getSideOutput(DeadLetters.TAG),
            validated.getSideOutput(DeadLetters.TAG),
            embedded.getSideOutput(DeadLetters.TAG),
            coded.getSideOutput(DeadLetters.TAG),
            codebooks.getSideOutput(DeadLetters.TAG))
        .sinkTo(sinks.deadLetters())
        .uid("dead-letters-sink")
        .name("dead-letters");
  }

  /** Kafka sources and sinks around {@link #build}: what a deployment runs. */
  public static void buildWithKafka(
      StreamExecutionEnvironment env, IndexingSettings settings, TextEmbedderFactory embedder) {
    KafkaIo kafka = new KafkaIo(settings.kafka());
    KafkaSource<RawRecord> itemsSource = kafka.consumed(settings.itemsTopic(), settings.groupId());
    // Codebooks are published transactionally; only committed versions may become active.
    KafkaSource<RawRecord> codebooksSource =
        kafka.wholeCommitted(settings.codebooksTopic(), settings.groupId() + "-codebooks");

    DataStream<RawRecord> items =
        env.fromSource(itemsSource, WatermarkStrategy.noWatermarks(), "items")
            .uid("items-source")
            .name("items");
    DataStream<RawRecord> codebookRecords =
        env.fromSource(codebooksSource, WatermarkStrategy.noWatermarks(), "codebooks-in")
            .uid("codebooks-source")
            .name("codebooks (read back)")
            .setParallelism(1);

    Sinks sinks =
        new Sinks(
            // Idempotent upserts on a compacted topic: at-least-once is correct and fastest.
            kafka.atLeastOnce(
                CodedItem.serializer(settings.itemCodesTopic()),
                "linger.ms",
                Long.toString(settings.itemCodesLingerMillis())),
            // A version number must never be published twice, also across failures.
            kafka.exactlyOnce(
                CodebookEntry.serializer(settings.codebooksTopic()),
                settings.groupId() + "-codebooks"),
            kafka.deadLetters(settings.deadLettersTopic()));
    build(
        settings,
        embedder,
        PublishedVersions.onTopic(settings.kafka(), settings.codebooksTopic()),
        items,
        codebookRecords,
        sinks);
  }

  /**
   * The production embedder: the configured {@link TextModel} (MiniLM-L6-v2 int8 by default),
   * opened by each parallel instance.
   *
   * @throws IllegalArgumentException when no text model has the configured name
   */
  public static TextEmbedderFactory textEmbedder(IndexingSettings settings) {
    return SentenceEmbedder.factory(
        TextModel.named(settings.embeddingModel()),
        SentenceEmbedder.Options.defaults()
            .withMaxTokens(settings.embedMaxTokens())
            .withBatchInvariant(settings.embedBatchInvariant()));
  }

  /** Runs the job on a cluster: {@code IndexingJob [--config file.yaml] [-Dkey=value ...]}. */
  public static void main(String[] args) throws Exception {
    Configuration config = JobConfig.requireCheckpointsDirectory(JobConfig.load(args));
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
    IndexingSettings settings = IndexingOptions.read(config);
    SlotResources.read(config, settings.embedSlotSharingGroup()).registerOn(env, true);
    buildWithKafka(env, settings, textEmbedder(settings));
    env.execute("moc indexing");
  }
}
