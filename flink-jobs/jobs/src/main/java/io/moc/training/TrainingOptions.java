package io.moc.training;

import static io.moc.common.OptionChecks.atLeast;
import static io.moc.common.OptionChecks.inRange;
import static io.moc.common.OptionChecks.notBlank;

import io.moc.codebook.CodebookCodec;
import io.moc.common.CodebookOptions;
import io.moc.common.InputOptions;
import io.moc.common.KafkaOptions;
import io.moc.ctr.model.CtrModelConfig;
import java.time.Duration;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;

/** Options of the CTR training job; {@link #read} is the one place they are read. */
public final class TrainingOptions {

  private TrainingOptions() {}

  public static final ConfigOption<String> GROUP_ID =
      ConfigOptions.key("moc.training.group-id")
          .stringType()
          .defaultValue("moc-training")
          .withDescription(
              "Kafka consumer group of the training job (offsets are also in checkpoints).");

  public static final ConfigOption<Integer> MAX_PENDING_PER_ITEM =
      ConfigOptions.key("moc.training.join.max-pending-per-item")
          .intType()
          .defaultValue(100)
          .withDescription(
              "Most impressions that wait in state for one item's codes; one more is dead-lettered"
                  + " at once (PENDING_LIMIT_EXCEEDED). 0: no impression waits.");

  public static final ConfigOption<Duration> JOIN_TIMEOUT =
      ConfigOptions.key("moc.training.join.timeout")
          .durationType()
          .defaultValue(Duration.ofSeconds(60))
          .withDescription(
              "Longest (processing time) an impression waits for its item's codes before it is"
                  + " dead-lettered (IMPRESSION_WITHOUT_CODES). Codes normally trail an item's first"
                  + " impressions by the indexing latency, about a second.");

  public static final ConfigOption<String> MODEL_STORE =
      ConfigOptions.key("moc.training.model-store")
          .stringType()
          .defaultValue("file:///tmp/moc-models")
          .withDescription(
              "Folder (a Flink file-system URI: file://, s3://, hdfs://) the model artifacts are"
                  + " written to; ModelSnapshot.artifact_uri points into it.");

  public static final ConfigOption<Duration> PUBLISH_INTERVAL =
      ConfigOptions.key("moc.training.publish-interval")
          .durationType()
          .defaultValue(Duration.ofSeconds(2))
          .withDescription(
              "A model snapshot is published this often when the model trained since the last."
                  + " Announcements do not wait for a checkpoint, and most snapshots are deltas"
                  + " (see moc.training.full-snapshot-every), so this can be short.");

  public static final ConfigOption<Integer> FULL_SNAPSHOT_EVERY =
      ConfigOptions.key("moc.training.full-snapshot-every")
          .intType()
          .defaultValue(10)
          .withDescription(
              "Every this many publications one is a full model; the others carry only the 64-byte"
                  + " blocks of the artifact that changed since the last full one (the embedding"
                  + " rows trained since, and the dense layers). 1: every snapshot full. The first"
                  + " after a start, and the first of a new codebook version's model, are full.");

  public static final ConfigOption<Duration> RETRAIN_INTERVAL =
      ConfigOptions.key("moc.training.retrain-interval")
          .durationType()
          .defaultValue(Duration.ofMinutes(5))
          .withDescription(
              "A retraining pass over the replay window this often, before a publication; 0:"
                  + " never.");

  public static final ConfigOption<Integer> RETRAIN_EPOCHS =
      ConfigOptions.key("moc.training.retrain-epochs")
          .intType()
          .defaultValue(2)
          .withDescription("Epochs of one retraining pass over the replay window.");

  public static final ConfigOption<Integer> RETRAIN_CHUNK_STEPS =
      ConfigOptions.key("moc.training.retrain-chunk-steps")
          .intType()
          .defaultValue(16)
          .withDescription(
              "Most training steps of one step of a retraining pass on the task thread (see"
                  + " moc.training.retrain-chunk-time).");

  public static final ConfigOption<Duration> RETRAIN_CHUNK_TIME =
      ConfigOptions.key("moc.training.retrain-chunk-time")
          .durationType()
          .defaultValue(Duration.ofMillis(20))
          .withDescription(
              "A retraining pass runs in steps of about this long on the task thread, with"
                  + " examples, item codes and checkpoint barriers processed in between (the"
                  + " pass in progress is part of the checkpoint); 0 runs the whole pass at once"
                  + " (only to measure what that costs, see bin/moc bench stalls).");

  public static final ConfigOption<Integer> BATCH_SIZE =
      ConfigOptions.key("moc.training.batch-size")
          .intType()
          .defaultValue(256)
          .withDescription(
              "Online mini-batch: scored (prequential metrics) and then trained on when full.");

  public static final ConfigOption<Integer> WINDOW_SIZE =
      ConfigOptions.key("moc.training.window")
          .intType()
          .defaultValue(10_000)
          .withDescription("Examples in the sliding prequential AUC and logloss windows.");

  public static final ConfigOption<Duration> COLD_START_AGE =
      ConfigOptions.key("moc.training.cold-start-age")
          .durationType()
          .defaultValue(Duration.ofDays(7))
          .withDescription(
              "An example counts in the cold-start window when its item was first seen less than"
                  + " this long (event time) before the impression.");

  public static final ConfigOption<Integer> REPLAY_CAPACITY =
      ConfigOptions.key("moc.training.replay-capacity")
          .intType()
          .defaultValue(50_000)
          .withDescription("Newest examples kept in state for retraining passes.");

  public static final ConfigOption<Integer> USER_BUCKETS =
      ConfigOptions.key("moc.training.user-buckets")
          .intType()
          .defaultValue(1 << 16)
          .withDescription("Hash buckets of the user id embedding.");

  public static final ConfigOption<Integer> ITEM_BUCKETS =
      ConfigOptions.key("moc.training.item-buckets")
          .intType()
          .defaultValue(1 << 14)
          .withDescription("Hash buckets of the item id embedding.");

  public static final ConfigOption<Integer> EMBEDDING_DIM =
      ConfigOptions.key("moc.training.embedding-dim")
          .intType()
          .defaultValue(16)
          .withDescription("Width of every field embedding of the CTR model.");

  public static final ConfigOption<Integer> PROMOTE_AFTER =
      ConfigOptions.key("moc.training.promote-after")
          .intType()
          .defaultValue(2000)
          .withDescription(
              "Examples a model for a newer codebook version trains on before it may replace the"
                  + " current one (when its prequential AUC is at least as good).");

  public static final ConfigOption<CtrModelConfig.Backbone> BACKBONE =
      ConfigOptions.key("moc.training.backbone")
          .enumType(CtrModelConfig.Backbone.class)
          .defaultValue(CtrModelConfig.Backbone.DCNV2)
          .withDescription(
              "Feature-interaction network of the online model: DEEPFM, DCNV2 or AUTOINT_PLUS."
                  + " DCNV2 had the best validation AUC with 7x MoC codes on Amazon Beauty (0.763"
                  + " against 0.756 DeepFM, 0.752 AutoInt+) and MovieLens-100k (0.695 against 0.693),"
                  + " 3 seeds each (results/evaluate-*.cells.jsonl).");

  public static final ConfigOption<CtrModelConfig.Fusion> FUSION =
      ConfigOptions.key("moc.training.fusion")
          .enumType(CtrModelConfig.Fusion.class)
          .defaultValue(CtrModelConfig.Fusion.MLP)
          .withDescription(
              "How the online model mixes the code embeddings: NONE (concatenation), GATE, MLP or"
                  + " ATTENTION before the interaction, or GATE_AFTER or MLP_AFTER on the code"
                  + " fields' outputs of the interaction. MLP's validation AUC with 7x MoC codes was"
                  + " at least the gate's in every backbone on Amazon Beauty (+0.004 DeepFM, +0.008"
                  + " DCNv2, +0.004 AutoInt+) and within 0.001 of it on MovieLens-100k, 3 seeds"
                  + " each; the placement after the interaction was not better than before it in"
                  + " any backbone on Beauty.");

  public static final ConfigOption<Double> LEARNING_RATE =
      ConfigOptions.key("moc.training.learning-rate")
          .doubleType()
          .defaultValue(1e-3)
          .withDescription("Adam's learning rate of the online model (and of the control).");

  public static final ConfigOption<Boolean> CONTROL_MODEL =
      ConfigOptions.key("moc.training.control-model")
          .booleanType()
          .defaultValue(false)
          .withDescription(
              "Train an ids-only control model (user and item ids, no codes) beside the semantic"
                  + " one on the same examples: its prequential and cold-start AUC, and the"
                  + " semantic model's lift over it, appear as metrics and in every ModelSnapshot."
                  + " Costs about as much training again.");

  public static final ConfigOption<Integer> WARM_START_ITEMS =
      ConfigOptions.key("moc.training.warm-start-items")
          .intType()
          .defaultValue(100_000)
          .withDescription(
              "Most items whose codes the CTR trainer keeps per codebook version, to warm-start the"
                  + " model of a newer version through the items' old and new codes: the items whose"
                  + " ids hash lowest, the same under every version. Bounds the trainer's state"
                  + " (about 60 bytes per item and version) whatever the catalog's size; a few"
                  + " hundred items per code are enough for the warm start.");

  public static final ConfigOption<Integer> TRAINER_PARALLELISM =
      ConfigOptions.key("moc.training.trainer-parallelism")
          .intType()
          .defaultValue(1)
          .withDescription(
              "Replicas of the CTR trainer, one subtask each: each trains a copy of the models on"
                  + " the examples of its share of the users, and every"
                  + " moc.training.averaging-interval the replicas sum their changes into one model"
                  + " (through files under the model store, which must then be shared by the"
                  + " TaskManagers); replica 0 publishes it. 1: one trainer on every example, in"
                  + " arrival order. At most 128. A checkpoint taken with replicas restores at any"
                  + " other number of replicas (the first merge makes them whole again), but not at"
                  + " 1, nor one taken at 1 with replicas: the trainer's max parallelism differs.");

  public static final ConfigOption<CtrModelConfig.ItemRepresentation> ITEM_REPRESENTATION =
      ConfigOptions.key("moc.training.item-representation")
          .enumType(CtrModelConfig.ItemRepresentation.class)
          .defaultValue(CtrModelConfig.ItemRepresentation.CODES)
          .withDescription(
              "How the online semantic model reads an item. CODES: its M codes as embedded fields,"
                  + " mixed by moc.training.fusion. CODE_VECTORS: the adapter's MLP over the"
                  + " codebook's vectors of its codes (the grid's moc-dense, the best code-based"
                  + " representation on Amazon Beauty over 3 seeds), read from the codebooks topic"
                  + " when a model for a version starts and carried in its artifacts, so scorers"
                  + " need only the codes; moc.training.fusion does not apply."
                  + " CODES_AND_CODE_VECTORS: both, the codes mixed by moc.training.fusion (the"
                  + " grid's moc-mlp-dense, tied with moc-dense on validation over 5 seeds, ahead"
                  + " of it on average over the three backbones by 0.0003). No other value is"
                  + " accepted.");

  public static final ConfigOption<Duration> AVERAGING_INTERVAL =
      ConfigOptions.key("moc.training.averaging-interval")
          .durationType()
          .defaultValue(Duration.ofSeconds(1))
          .withDescription(
              "With several trainer replicas, how often they merge their models: each hands in its"
                  + " change since the last merge and goes on training; once every replica's is in,"
                  + " all apply their sum. Shorter keeps the replicas closer to one trainer (each"
                  + " example's update reaches the others at most a round late) at the cost of"
                  + " writing and reading every model's parameters once a round.");

  public static final ConfigOption<Long> SEED =
      ConfigOptions.key("moc.training.seed")
          .longType()
          .defaultValue(7L)
          .withDescription("Seed of model initialisation, dropout and replay shuffling.");

  /** Reads every option of the job, with the topics, into immutable settings. */
  /**
   * Reads every option of the job into immutable settings, and checks each value here: a bad one
   * fails the submission with its key and what is allowed.
   *
   * @throws IllegalArgumentException for a value out of its range
   */
  public static TrainingSettings read(ReadableConfig config) {
    return new TrainingSettings(
        KafkaOptions.connection(config),
        config.get(KafkaOptions.IMPRESSIONS_TOPIC),
        config.get(KafkaOptions.ITEM_CODES_TOPIC),
        config.get(KafkaOptions.DEAD_LETTERS_TOPIC),
        config.get(KafkaOptions.CTR_MODELS_TOPIC),
        notBlank(config, GROUP_ID),
        atLeast(config, MAX_PENDING_PER_ITEM, 0),
        atLeast(config, JOIN_TIMEOUT, Duration.ofMillis(1)).toMillis(),
        new OnlineModelSettings(
            notBlank(config, MODEL_STORE),
            atLeast(config, PUBLISH_INTERVAL, Duration.ofMillis(1)).toMillis(),
            atLeast(config, FULL_SNAPSHOT_EVERY, 1),
            atLeast(config, RETRAIN_INTERVAL, Duration.ZERO).toMillis(),
            atLeast(config, RETRAIN_EPOCHS, 1),
            atLeast(config, RETRAIN_CHUNK_STEPS, 1),
            atLeast(config, RETRAIN_CHUNK_TIME, Duration.ZERO).toMillis(),
            atLeast(config, BATCH_SIZE, 1),
            atLeast(config, WINDOW_SIZE, 1),
            atLeast(config, COLD_START_AGE, Duration.ZERO).toMillis(),
            atLeast(config, REPLAY_CAPACITY, 1),
            atLeast(config, USER_BUCKETS, 1),
            atLeast(config, ITEM_BUCKETS, 1),
            // The codes' K is the indexer's: both jobs read the same configuration.
            inRange(config, CodebookOptions.CODEBOOK_SIZE, 2, CodebookCodec.MAX_CODEBOOK_SIZE),
            atLeast(config, EMBEDDING_DIM, 1),
            atLeast(config, PROMOTE_AFTER, 0),
            config.get(SEED),
            config.get(BACKBONE),
            config.get(FUSION),
            inRange(config, LEARNING_RATE, Double.MIN_VALUE, 1.0).floatValue(),
            config.get(CONTROL_MODEL),
            atLeast(config, WARM_START_ITEMS, 1),
            atLeast(config, AVERAGING_INTERVAL, Duration.ofMillis(1)).toMillis(),
            onlineRepresentation(config)),
        InputOptions.read(config),
        inRange(config, TRAINER_PARALLELISM, 1, TrainingJob.MAX_TRAINER_REPLICAS),
        config.get(KafkaOptions.CODEBOOKS_TOPIC));
  }

  private static CtrModelConfig.ItemRepresentation onlineRepresentation(ReadableConfig config) {
    CtrModelConfig.ItemRepresentation r = config.get(ITEM_REPRESENTATION);
    if (r != CtrModelConfig.ItemRepresentation.CODES
        && r != CtrModelConfig.ItemRepresentation.CODE_VECTORS
        && r != CtrModelConfig.ItemRepresentation.CODES_AND_CODE_VECTORS) {
      throw new IllegalArgumentException(
          ITEM_REPRESENTATION.key()
              + " must be CODES, CODE_VECTORS or CODES_AND_CODE_VECTORS, not "
              + r);
    }
    return r;
  }
}
