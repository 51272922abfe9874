package io.moc.indexing;

import static io.moc.common.OptionChecks.atLeast;
import static io.moc.common.OptionChecks.inRange;
import static io.moc.common.OptionChecks.invalid;
import static io.moc.common.OptionChecks.notBlank;
import static io.moc.common.OptionChecks.oneOf;

import io.moc.codebook.CodebookCodec;
import io.moc.codebook.ProjectedKMeansCodebook;
import io.moc.codebook.methods.CodebookMethods;
import io.moc.common.CodebookOptions;
import io.moc.common.InputOptions;
import io.moc.common.KafkaOptions;
import io.moc.embed.TextModel;
import java.time.Duration;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;

/** Options of the indexing job; {@link #read} is the one place they are read. */
public final class IndexingOptions {

  private IndexingOptions() {}

  public static final ConfigOption<String> GROUP_ID =
      ConfigOptions.key("moc.indexing.group-id")
          .stringType()
          .defaultValue("moc-indexing")
          .withDescription(
              "Kafka consumer group of the indexing job (offsets are also in checkpoints).");

  public static final ConfigOption<Duration> ITEM_CODES_LINGER =
      ConfigOptions.key("moc.indexing.item-codes.linger")
          .durationType()
          .defaultValue(Duration.ofMillis(2))
          .withDescription(
              "How long the item-codes producer waits to fill a batch (linger.ms): part of every"
                  + " new item's latency, and what keeps the broker's cost per record low during a"
                  + " re-coding pass or a backfill.");

  public static final ConfigOption<String> EMBEDDING_MODEL =
      ConfigOptions.key("moc.embedding.model")
          .stringType()
          .defaultValue("all-minilm-l6-v2-q")
          .withDescription(
              "Name of the text embedding model: all-minilm-l6-v2-q or e5-small-v2-q (its model jar"
                  + " on the class path). Precomputed embeddings on items are used only when they"
                  + " name this model; codebooks are accepted only for this model.");

  public static final ConfigOption<Integer> EMBEDDING_DIMENSION =
      ConfigOptions.key("moc.embedding.dimension")
          .intType()
          .defaultValue(384)
          .withDescription("Dimension of the model's embeddings.");

  public static final ConfigOption<Integer> EMBED_BATCH_SIZE =
      ConfigOptions.key("moc.embedding.batch-size")
          .intType()
          .defaultValue(32)
          .withDescription("Most texts embedded in one model call.");

  public static final ConfigOption<Duration> EMBED_MAX_WAIT =
      ConfigOptions.key("moc.embedding.max-wait")
          .durationType()
          .defaultValue(Duration.ofMillis(20))
          .withDescription(
              "Longest an item waits for its micro-batch to fill before the batch is embedded anyway.");

  public static final ConfigOption<Integer> EMBED_MAX_TOKENS =
      ConfigOptions.key("moc.embedding.max-tokens")
          .intType()
          .defaultValue(128)
          .withDescription("Texts are truncated to this many tokens.");

  public static final ConfigOption<Boolean> EMBED_BATCH_INVARIANT =
      ConfigOptions.key("moc.embedding.batch-invariant")
          .booleanType()
          .defaultValue(true)
          .withDescription(
              "Run the model once per text inside a micro-batch. The int8 model quantizes"
                  + " activations per call, so a text's vector depends on its batch-mates otherwise;"
                  + " per-text runs make an item's codes reproducible on replay.");

  public static final ConfigOption<String> EMBED_SLOT_SHARING_GROUP =
      ConfigOptions.key("moc.embedding.slot-sharing-group")
          .stringType()
          .defaultValue("gpu")
          .withDescription(
              "Slot-sharing group of the embedding operator, so that a cluster can place it on GPU"
                  + " TaskManagers.");

  public static final ConfigOption<Integer> EMBED_PARALLELISM =
      ConfigOptions.key("moc.embedding.parallelism")
          .intType()
          .defaultValue(-1)
          .withDescription(
              "Parallel instances of the embedding operator; -1 follows the job's parallelism. On a"
                  + " GPU pool, the number of GPUs: each instance's slot asks for"
                  + " moc.resources.gpu.gpus of them.");

  public static final ConfigOption<String> CODEBOOK_METHOD =
      ConfigOptions.key("moc.codebook.method")
          .stringType()
          .defaultValue("moc")
          .withDescription(
              "How codebook versions are trained: moc (multi-codebook VQ-VAE, the method this"
                  + " system is named for and the evaluation's best code method at 7x on Amazon"
                  + " Beauty), moc-heads, rqvae (residual VQ-VAE), projected-kmeans (M random"
                  + " projections), pq (product quantization, M sub-vectors) or kmeans (one"
                  + " codebook).");

  public static final ConfigOption<String> BOOTSTRAP_METHOD =
      ConfigOptions.key("moc.codebook.bootstrap.method")
          .stringType()
          .defaultValue("projected-kmeans")
          .withDescription(
              "Method of the first codebook version, with the configured M and K: one that trains"
                  + " in well under a second, so that items have codes within seconds of the first"
                  + " ones. Once moc.codebook.bootstrap.replace-after-items items are embedded, a"
                  + " version of moc.codebook.method replaces it (every item re-coded, the CTR"
                  + " model migrated). Empty: the configured method from the first version on.");

  public static final ConfigOption<Integer> BOOTSTRAP_REPLACE_AFTER =
      ConfigOptions.key("moc.codebook.bootstrap.replace-after-items")
          .intType()
          .defaultValue(2000)
          .withDescription(
              "Items embedded before the bootstrap version is replaced by one of the configured"
                  + " method (enough for its K codes per codebook to be learnt, not only placed).");

  public static final ConfigOption<Boolean> TRAIN_IN_BACKGROUND =
      ConfigOptions.key("moc.codebook.train-in-background")
          .booleanType()
          .defaultValue(true)
          .withDescription(
              "Train codebook versions on a worker thread, so that items and checkpoint barriers"
                  + " never wait behind a training; false trains on the task thread (only to"
                  + " measure what that costs, see bin/moc bench stalls).");

  public static final ConfigOption<Integer> NUM_CODEBOOKS =
      ConfigOptions.key("moc.codebook.num-codebooks")
          .intType()
          .defaultValue(7)
          .withDescription("Number M of codebooks, i.e. codes per item.");

  public static final ConfigOption<Integer> PROJECTED_DIMENSION =
      ConfigOptions.key("moc.codebook.projected-dimension")
          .intType()
          .defaultValue(32)
          .withDescription("Dimension each codebook's random projection maps embeddings to.");

  public static final ConfigOption<Integer> TRAIN_AFTER_ITEMS =
      ConfigOptions.key("moc.codebook.train-after-items")
          .intType()
          .defaultValue(1000)
          .withDescription(
              "The first codebook version is trained once this many items are embedded.");

  public static final ConfigOption<Integer> RESERVOIR_SIZE =
      ConfigOptions.key("moc.codebook.reservoir-size")
          .intType()
          .defaultValue(10000)
          .withDescription("Size of the uniform sample of embeddings the codebook trainer keeps.");

  public static final ConfigOption<Integer> KMEANS_ITERATIONS =
      ConfigOptions.key("moc.codebook.kmeans-iterations")
          .intType()
          .defaultValue(25)
          .withDescription("Lloyd iterations per codebook.");

  public static final ConfigOption<Long> SEED =
      ConfigOptions.key("moc.codebook.seed")
          .longType()
          .defaultValue(42L)
          .withDescription(
              "Seed of codebook training, so a version is reproducible from its sample.");

  public static final ConfigOption<Duration> RETRAIN_INTERVAL =
      ConfigOptions.key("moc.codebook.retrain-interval")
          .durationType()
          .defaultValue(Duration.ofHours(1))
          .withDescription(
              "A new codebook version is trained at least this often while items keep arriving"
                  + " (on the reservoir sample plus the newest items); 0 trains again only on"
                  + " drift.");

  public static final ConfigOption<Integer> RETRAIN_MIN_NEW_ITEMS =
      ConfigOptions.key("moc.codebook.retrain-min-new-items")
          .intType()
          .defaultValue(1000)
          .withDescription(
              "Items embedded since the last training before the schedule or drift may train"
                  + " again.");

  public static final ConfigOption<Integer> DRIFT_WINDOW =
      ConfigOptions.key("moc.codebook.drift.window")
          .intType()
          .defaultValue(2000)
          .withDescription(
              "Live code quality is measured on this many of the newest items, and compared with"
                  + " the same number of training-sample items.");

  public static final ConfigOption<Integer> DRIFT_CHECK_EVERY =
      ConfigOptions.key("moc.codebook.drift.check-every")
          .intType()
          .defaultValue(500)
          .withDescription("Items between two measurements of live code quality.");

  public static final ConfigOption<Double> DRIFT_ERROR_RATIO =
      ConfigOptions.key("moc.codebook.drift.error-ratio")
          .doubleType()
          .defaultValue(1.5)
          .withDescription(
              "Drift: the live quantization error is above this multiple of the training one.");

  public static final ConfigOption<Double> DRIFT_USAGE_RATIO =
      ConfigOptions.key("moc.codebook.drift.usage-ratio")
          .doubleType()
          .defaultValue(0.5)
          .withDescription(
              "Drift: live code usage has collapsed below this share of the training usage.");

  public static final ConfigOption<Double> DRIFT_COLLISION_RISE =
      ConfigOptions.key("moc.codebook.drift.collision-rise")
          .doubleType()
          .defaultValue(0.15)
          .withDescription(
              "Drift: the live collision rate is this much above the training one (absolute).");

  public static final ConfigOption<Integer> RECODE_CHUNK_ITEMS =
      ConfigOptions.key("moc.codebook.recode.chunk-items")
          .intType()
          .defaultValue(4096)
          .withDescription(
              "Re-coding after a new version runs in steps of at most this many items, so that"
                  + " records and checkpoint barriers are processed in between.");

  public static final ConfigOption<Duration> RECODE_CHUNK_TIME =
      ConfigOptions.key("moc.codebook.recode.chunk-time")
          .durationType()
          .defaultValue(Duration.ofMillis(20))
          .withDescription("Most time one re-coding step takes before it yields.");

  public static final ConfigOption<Integer> RECODE_THREADS =
      ConfigOptions.key("moc.codebook.recode.threads")
          .intType()
          .defaultValue(1)
          .withDescription(
              "Threads per Assign codes subtask that assign a re-coding pass's batches (the task"
                  + " thread and workers): a pass is a burst of pure computation, and a slot's"
                  + " CPU budget may allow more than its one thread. Records and state stay on"
                  + " the task thread.");

  public static final ConfigOption<Boolean> HOLD_EMBEDDINGS =
      ConfigOptions.key("moc.codebook.hold-embeddings")
          .booleanType()
          .defaultValue(true)
          .withDescription(
              "Whether Assign codes keeps each item's embedding (4 bytes per dimension) so that a"
                  + " new codebook version re-codes it at assignment speed. false keeps the item's"
                  + " text and last codes instead, and a new version re-embeds the text with the"
                  + " configured model on Assign codes' own CPU, at embedding speed; items without"
                  + " a text keep their embedding.");

  /** Most codebooks per item: M codes travel on every {@code item-codes} record. */
  static final int MAX_CODEBOOKS = 64;

  private static int embedParallelism(ReadableConfig config) {
    int p = config.get(EMBED_PARALLELISM);
    if (p != -1 && p < 1) {
      throw invalid(EMBED_PARALLELISM, p, "must be -1 (the job's parallelism) or at least 1");
    }
    return p;
  }

  /**
   * Reads every option of the job, with the topics, into immutable settings, and checks each value
   * here: a bad one fails the submission with its key and what is allowed, never an operator.
   *
   * @throws IllegalArgumentException for a value out of its range or not one of its names (an
   *     unknown codebook method would otherwise leave a job running that never codes an item)
   */
  public static IndexingSettings read(ReadableConfig config) {
    String method = config.get(CODEBOOK_METHOD);
    String bootstrap = config.get(BOOTSTRAP_METHOD).trim();
    oneOf(config, CODEBOOK_METHOD, CodebookMethods.ALL);
    if (!bootstrap.isEmpty() && !CodebookMethods.ALL.contains(bootstrap)) {
      throw invalid(BOOTSTRAP_METHOD, bootstrap, "must be empty or one of " + CodebookMethods.ALL);
    }
    int numCodebooks = inRange(config, NUM_CODEBOOKS, 1, MAX_CODEBOOKS);
    if (!bootstrap.isEmpty()
        && !bootstrap.equals(method)
        && (bootstrap.equals(ProjectedKMeansCodebook.KMEANS)
            != method.equals(ProjectedKMeansCodebook.KMEANS))
        && numCodebooks != 1) {
      // The CTR model migrates between versions of one M: a kmeans version has one codebook.
      throw new IllegalArgumentException(
          "a kmeans codebook has one code per item, the other method "
              + numCodebooks
              + ": moc.codebook.bootstrap.method and moc.codebook.method must agree on M");
    }
    return IndexingSettings.builder()
        .kafka(KafkaOptions.connection(config))
        .itemsTopic(config.get(KafkaOptions.ITEMS_TOPIC))
        .itemCodesTopic(config.get(KafkaOptions.ITEM_CODES_TOPIC))
        .itemCodesLingerMillis(atLeast(config, ITEM_CODES_LINGER, Duration.ZERO).toMillis())
        .codebooksTopic(config.get(KafkaOptions.CODEBOOKS_TOPIC))
        .deadLettersTopic(config.get(KafkaOptions.DEAD_LETTERS_TOPIC))
        .groupId(notBlank(config, GROUP_ID))
        .embeddingModel(oneOf(config, EMBEDDING_MODEL, TextModel.NAMES))
        .embeddingDimension(atLeast(config, EMBEDDING_DIMENSION, 1))
        .embedBatchSize(atLeast(config, EMBED_BATCH_SIZE, 1))
        .embedMaxWaitMillis(atLeast(config, EMBED_MAX_WAIT, Duration.ZERO).toMillis())
        .embedMaxTokens(atLeast(config, EMBED_MAX_TOKENS, 1))
        .embedBatchInvariant(config.get(EMBED_BATCH_INVARIANT))
        .embedSlotSharingGroup(notBlank(config, EMBED_SLOT_SHARING_GROUP))
        .embedParallelism(embedParallelism(config))
        .numCodebooks(inRange(config, NUM_CODEBOOKS, 1, MAX_CODEBOOKS))
        .codebookSize(
            inRange(config, CodebookOptions.CODEBOOK_SIZE, 2, CodebookCodec.MAX_CODEBOOK_SIZE))
        .projectedDimension(
            inRange(config, PROJECTED_DIMENSION, 1, config.get(EMBEDDING_DIMENSION)))
        .trainAfterItems(atLeast(config, TRAIN_AFTER_ITEMS, 1))
        .reservoirSize(atLeast(config, RESERVOIR_SIZE, 1))
        .kmeansIterations(atLeast(config, KMEANS_ITERATIONS, 1))
        .seed(config.get(SEED))
        .codebookMethod(method)
        .lifecycle(
            new CodebookLifecycle(
                atLeast(config, RETRAIN_INTERVAL, Duration.ZERO).toMillis(),
                atLeast(config, RETRAIN_MIN_NEW_ITEMS, 0),
                atLeast(config, DRIFT_WINDOW, 1),
                atLeast(config, DRIFT_CHECK_EVERY, 1),
                atLeast(config, DRIFT_ERROR_RATIO, 1.0),
                inRange(config, DRIFT_USAGE_RATIO, 0.0, 1.0),
                inRange(config, DRIFT_COLLISION_RISE, 0.0, 1.0),
                atLeast(config, RECODE_CHUNK_ITEMS, 1),
                atLeast(config, RECODE_CHUNK_TIME, Duration.ZERO).toMillis(),
                bootstrap.equals(method) ? "" : bootstrap,
                atLeast(config, BOOTSTRAP_REPLACE_AFTER, 0),
                config.get(TRAIN_IN_BACKGROUND)))
        .recodeThreads(inRange(config, RECODE_THREADS, 1, 64))
        .holdEmbeddings(config.get(HOLD_EMBEDDINGS))
        .input(InputOptions.read(config))
        .build();
  }
}
