package io.moc.indexing;

import io.moc.codebook.Codebook;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.co.CoProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a uniform reservoir sample of embedded items and trains the first codebook version once
 * enough items are seen. A job that starts without state first asks the codebooks topic for the
 * highest version on it, and also follows the versions stream, so that it never publishes a second
 * "first" version or reuses a version number. Runs with parallelism 1.
 */
public class TrainCodebookFunction
    extends CoProcessFunction<EmbeddedItem, CodebookEntry, CodebookEntry>
    implements CheckpointedFunction {

  private static final Logger LOG = LoggerFactory.getLogger(TrainCodebookFunction.class);

  static final ListStateDescriptor<float[]> RESERVOIR =
      new ListStateDescriptor<>(
          "reservoir", PrimitiveArrayTypeInfo.FLOAT_PRIMITIVE_ARRAY_TYPE_INFO);
  static final ListStateDescriptor<Long> COUNTERS =
      new ListStateDescriptor<>("counters", Types.LONG);

  private final IndexingSettings settings;
  private final PublishedVersions publishedVersions;

  private transient List<float[]> reservoir;
  private transient long seen;
  private transient long newestVersion;
  private transient Random random;
  private transient long nextTrainingAt;
  private transient org.apache.flink.metrics.Counter trainingFailures;
  private transient ListState<float[]> reservoirState;
  private transient ListState<Long> countersState;

  public TrainCodebookFunction(IndexingSettings settings, PublishedVersions publishedVersions) {
    this.settings = settings;
    this.publishedVersions = publishedVersions;
  }

  @Override
  public void open(org.apache.flink.api.common.functions.OpenContext openContext) {
    trainingFailures = getRuntimeContext().getMetricGroup().counter("codebookTrainingFailures");
  }

  @Override
  public void processElement1(EmbeddedItem item, Context ctx, Collector<CodebookEntry> out) {
    if (item.deleted || item.embedding == null) {
      return;
    }
    seen++;
    if (reservoir.size() < settings.reservoirSize()) {
      reservoir.add(item.embedding);
    } else {
      long slot = (long) (random.nextDouble() * seen);
      if (slot < settings.reservoirSize()) {
        reservoir.set((int) slot, item.embedding);
      }
    }
    if (newestVersion < 0 && seen >= nextTrainingAt) {
      try {
        out.collect(train(1));
      } catch (RuntimeException e) {
        // Never fail the indexing path for the trainer: try again on a larger sample.
        trainingFailures.inc();
        nextTrainingAt = seen + settings.trainAfterItems();
        LOG.warn(
            "Training the first codebook on {} items failed; trying again after {} items",
            reservoir.size(),
            nextTrainingAt,
            e);
      }
    }
  }

  @Override
  public void processElement2(CodebookEntry published, Context ctx, Collector<CodebookEntry> out) {
    newestVersion = Math.max(newestVersion, published.version);
  }

  CodebookEntry train(long version) {
    long start = System.currentTimeMillis();
    Codebook codebook = settings.codebookTrainer().train(settings.embeddingModel(), reservoir);
    newestVersion = version;
    CodebookEntry entry = CodebookEntry.of(version, codebook, reservoir);
    LOG.info(
        "Trained codebook version {} on {} items in {} ms: {}",
        version,
        reservoir.size(),
        System.currentTimeMillis() - start,
        entry.metrics());
    return entry;
  }

  @Override
  public void snapshotState(FunctionSnapshotContext context) throws Exception {
    reservoirState.update(reservoir);
    countersState.update(List.of(seen, newestVersion));
  }

  @Override
  public void initializeState(FunctionInitializationContext context) throws Exception {
    reservoirState = context.getOperatorStateStore().getListState(RESERVOIR);
    countersState = context.getOperatorStateStore().getListState(COUNTERS);
    reservoir = new ArrayList<>();
    seen = 0;
    newestVersion = -1;
    random = new Random(settings.seed());
    nextTrainingAt = settings.trainAfterItems();
    if (!context.isRestored()) {
      // The versions stream races the items stream: ask the topic itself before training.
      newestVersion = publishedVersions.highest();
    } else {
      reservoirState.get().forEach(reservoir::add);
      List<Long> counters = new ArrayList<>();
      countersState.get().forEach(counters::add);
      if (counters.size() == 2) {
        seen = counters.get(0);
        newestVersion = counters.get(1);
      }
    }
  }
}
