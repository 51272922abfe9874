package io.moc.indexing;

import io.moc.codebook.ProjectedKMeansCodebook;
import io.moc.codebook.ProjectedKMeansTrainer;
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
 * enough items are seen. It also reads the versions already on the codebooks topic, so that a fresh
 * job does not publish a second "first" version or reuse a version number. Runs with parallelism 1.
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

  private transient List<float[]> reservoir;
  private transient long seen;
  private transient long newestVersion;
  private transient Random random;
  private transient ListState<float[]> reservoirState;
  private transient ListState<Long> countersState;

  public TrainCodebookFunction(IndexingSettings settings) {
    this.settings = settings;
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
    if (newestVersion < 0 && seen >= settings.trainAfterItems()) {
      out.collect(train(1));
    }
  }

  @Override
  public void processElement2(CodebookEntry published, Context ctx, Collector<CodebookEntry> out) {
    newestVersion = Math.max(newestVersion, published.version);
  }

  CodebookEntry train(long version) {
    long start = System.currentTimeMillis();
    ProjectedKMeansTrainer trainer =
        new ProjectedKMeansTrainer(
            settings.numCodebooks(),
            settings.codebookSize(),
            settings.projectedDimension(),
            settings.kmeansIterations(),
            settings.seed());
    ProjectedKMeansCodebook codebook = trainer.train(settings.embeddingModel(), reservoir);
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
    if (context.isRestored()) {
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
