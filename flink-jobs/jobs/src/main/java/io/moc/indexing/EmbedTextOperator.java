package io.moc.indexing;

import io.moc.common.DeadLetterReason;
import io.moc.common.DeadLetters;
import io.moc.common.SlotResources;
import io.moc.embed.ComputeDevice;
import io.moc.embed.TextEmbedder;
import io.moc.embed.TextEmbedderFactory;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.externalresource.ExternalResourceInfo;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Embeds item text in micro-batches bounded by size and by wait time, on a stream keyed by item. A
 * batch is one model call, or one call per text when the embedder is batch-invariant (the int8
 * model's vectors depend on their batch-mates otherwise): either way the batch bounds how long an
 * item waits and amortises the operator's per-call costs.
 *
 * <p>It remembers, per item, the fingerprint of the text it last embedded successfully: catalogs
 * re-publish unchanged items all the time (price, stock), and those are passed on as unchanged so
 * that code assignment reuses the embedding it holds. Items with a precomputed embedding carry it,
 * and pass without a state read. The fingerprint is stored only after the model succeeded, so a
 * text whose embedding failed is tried again when it is published again.
 *
 * <p>The buffer is never checkpointed: it is flushed before every checkpoint barrier, so no item is
 * lost or embedded twice across a restore. Records that need no model go through the same buffer so
 * that per-item order (an update, then its deletion) is kept.
 *
 * <p>With {@code forwardText} (embeddings dropped after coding) every item carries its text on, for
 * code assignment to keep and re-embed on a new codebook version.
 */
public class EmbedTextOperator extends AbstractStreamOperator<EmbeddedItem>
    implements OneInputStreamOperator<ItemUpdate, EmbeddedItem> {

  private static final Logger LOG = LoggerFactory.getLogger(EmbedTextOperator.class);

  static final ValueStateDescriptor<String> FINGERPRINT =
      new ValueStateDescriptor<>("embedded-text-fingerprint", Types.STRING);

  /** Samples behind the latency stage histograms: a minute at 100 items/s, 14 s at 300. */
  static final int LATENCY_WINDOW = 4096;

  private final TextEmbedderFactory embedderFactory;
  private final String embeddingModel;
  private final int dimension;
  private final int maxBatchSize;
  private final long maxWaitMillis;
  private final boolean forwardText;

  private transient TextEmbedder embedder;
  private transient ValueState<String> fingerprint;
  private transient List<ItemUpdate> buffer;
  private transient int textsBuffered;
  private transient boolean timerPending;
  private transient Counter embedded;
  private transient Counter unchanged;
  private transient Histogram batchSize;
  private transient Histogram batchLatency;
  private transient Histogram latencyToEmbed;
  private transient Histogram embedWait;
  private transient DeadLetters deadLetters;
  private transient volatile long lastBatchSize;
  private transient volatile long lastBatchMillis;

  public EmbedTextOperator(
      TextEmbedderFactory embedderFactory,
      String embeddingModel,
      int dimension,
      int maxBatchSize,
      long maxWaitMillis,
      boolean forwardText) {
    this.embedderFactory = embedderFactory;
    this.embeddingModel = embeddingModel;
    this.dimension = dimension;
    this.maxBatchSize = maxBatchSize;
    this.maxWaitMillis = maxWaitMillis;
    this.forwardText = forwardText;
  }

  @Override
  public void open() throws Exception {
    super.open();
    ComputeDevice device = assignedDevice();
    embedder = embedderFactory.open(device);
    // Once per subtask; an embedder that could not use the assigned GPU has said why.
    LOG.info(
        "{}: assigned {}, embedding on {}",
        getRuntimeContext().getTaskInfo().getTaskNameWithSubtasks(),
        device,
        embedder.device());
    if (!embedder.modelName().equals(embeddingModel) || embedder.dimension() != dimension) {
      // Codebooks and precomputed embeddings are checked against the configured model: a
      // different model here would label its vectors with another model's name.
      throw new IllegalStateException(
          "configured model "
              + embeddingModel
              + " ("
              + dimension
              + "-d), but the embedder is "
              + embedder.modelName()
              + " ("
              + embedder.dimension()
              + "-d)");
    }
    fingerprint = getPartitionedState(FINGERPRINT);
    buffer = new ArrayList<>();
    embedded = getMetricGroup().counter("itemsEmbedded");
    getMetricGroup().meter("itemsEmbeddedPerSecond", new MeterView(embedded));
    unchanged = getMetricGroup().counter("itemsUnchanged");
    batchSize =
        getMetricGroup().histogram("embedBatchSize", new DescriptiveStatisticsHistogram(1000));
    batchLatency =
        getMetricGroup().histogram("embedBatchLatencyMs", new DescriptiveStatisticsHistogram(1000));
    // The stages of a new item's latency up to the model (the model call is embedBatchLatencyMs).
    latencyToEmbed =
        getMetricGroup()
            .histogram("latencyToEmbedMs", new DescriptiveStatisticsHistogram(LATENCY_WINDOW));
    embedWait =
        getMetricGroup()
            .histogram("embedWaitMs", new DescriptiveStatisticsHistogram(LATENCY_WINDOW));
    boolean onGpu = embedder.device().isGpu();
    getMetricGroup().gauge("embeddingOnGpu", () -> onGpu ? 1 : 0);
    getMetricGroup().gauge("lastEmbedBatchSize", () -> lastBatchSize);
    getMetricGroup().gauge("lastEmbedBatchLatencyMs", () -> lastBatchMillis);
    deadLetters = new DeadLetters(getMetricGroup());
  }

  /**
   * The GPU the TaskManager's driver assigned to this slot ({@code external-resources: gpu}), or
   * the CPU when there is none: one GPU per subtask, chosen by subtask index among those offered.
   */
  private ComputeDevice assignedDevice() {
    List<Integer> indexes = new ArrayList<>();
    for (ExternalResourceInfo gpu :
        getRuntimeContext().getExternalResourceInfos(SlotResources.GPU_RESOURCE)) {
      // The key GPU drivers use, Flink's own and io.moc.deploy.gpu.GpuDriverFactory alike.
      gpu.getProperty("index").map(Integer::parseInt).ifPresent(indexes::add);
    }
    if (indexes.isEmpty()) {
      return ComputeDevice.CPU;
    }
    indexes.sort(null);
    int subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
    return ComputeDevice.cuda(indexes.get(subtask % indexes.size()));
  }

  @Override
  public void processElement(StreamRecord<ItemUpdate> element) throws Exception {
    ItemUpdate update = element.getValue();
    if (update.deleted || update.embedding != null) {
      // A precomputed embedding replaces whatever the item's text embedded to: the same text
      // published again must be embedded again. A blind delete, no read: backfills are mostly
      // these.
      fingerprint.clear();
    } else if (update.fingerprint != null && update.fingerprint.equals(fingerprint.value())) {
      unchanged.inc();
      update.unchanged = true;
      update.text = null;
      update.embedding = null;
    }
    if (!update.needsEmbedding() && buffer.isEmpty()) {
      emit(update, update.embedding);
      return;
    }
    buffer.add(update);
    if (update.needsEmbedding()) {
      textsBuffered++;
      update.receivedTime = System.currentTimeMillis();
      if (update.appendTime > 0) {
        // Broker append to here: the source's fetch, validation and the shuffle before this.
        latencyToEmbed.update(Math.max(0, update.receivedTime - update.appendTime));
      }
    }
    if (textsBuffered >= maxBatchSize) {
      flush();
    } else if (!timerPending) {
      timerPending = true;
      long now = getProcessingTimeService().getCurrentProcessingTime();
      getProcessingTimeService().registerTimer(now + maxWaitMillis, t -> onTimer());
    }
  }

  private void onTimer() throws Exception {
    timerPending = false;
    flush();
  }

  @Override
  public void processWatermark(Watermark mark) throws Exception {
    flush();
    super.processWatermark(mark);
  }

  @Override
  public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
    flush();
    super.prepareSnapshotPreBarrier(checkpointId);
  }

  @Override
  public void finish() throws Exception {
    flush();
    super.finish();
  }

  @Override
  public void close() throws Exception {
    try {
      if (embedder != null) {
        embedder.close();
      }
    } finally {
      super.close();
    }
  }

  private void flush() throws Exception {
    if (buffer == null || buffer.isEmpty()) {
      return;
    }
    List<ItemUpdate> batch = buffer;
    buffer = new ArrayList<>();
    textsBuffered = 0;
    List<String> texts = new ArrayList<>();
    long start = System.currentTimeMillis();
    for (ItemUpdate u : batch) {
      if (u.needsEmbedding()) {
        texts.add(u.text);
        embedWait.update(Math.max(0, start - u.receivedTime));
      }
    }
    float[][] vectors = texts.isEmpty() ? new float[0][] : embedBatch(batch, texts);
    int next = 0;
    for (ItemUpdate u : batch) {
      float[] vector = u.needsEmbedding() ? vectors[next++] : u.embedding;
      if (u.needsEmbedding() && vector == null) {
        continue; // dead-lettered in embedBatch
      }
      // In buffer order, so that an update flushed together with its later deletion is forgotten.
      if (u.deleted) {
        setCurrentKey(u.itemId);
        fingerprint.clear();
      } else if (!u.unchanged) {
        setCurrentKey(u.itemId);
        fingerprint.update(u.fingerprint);
      }
      if (u.needsEmbedding()) {
        embedded.inc();
      }
      emit(u, vector);
    }
  }

  /**
   * One model call; if the batch fails, each text alone, so that one bad text fails only itself. If
   * every text fails alone too, the model is broken, not the input: the job must restart rather
   * than dead-letter the whole catalog.
   */
  private float[][] embedBatch(List<ItemUpdate> batch, List<String> texts) {
    long start = System.nanoTime();
    try {
      float[][] vectors = embedder.embed(texts);
      long millis = (System.nanoTime() - start) / 1_000_000;
      batchSize.update(texts.size());
      batchLatency.update(millis);
      lastBatchSize = texts.size();
      lastBatchMillis = millis;
      return vectors;
    } catch (RuntimeException batchFailure) {
      LOG.warn("Embedding a batch of {} failed; embedding one by one", texts.size(), batchFailure);
    }
    List<ItemUpdate> needing = batch.stream().filter(ItemUpdate::needsEmbedding).toList();
    List<StreamRecord<io.moc.common.DeadLetterRecord>> rejected = new ArrayList<>();
    float[][] vectors =
        embedder.embedEach(
            texts,
            (i, e) ->
                rejected.add(
                    new StreamRecord<>(
                        deadLetters.reject(
                            needing.get(i).source,
                            DeadLetterReason.EMBEDDING_FAILED,
                            String.valueOf(e)))));
    rejected.forEach(r -> output.collect(DeadLetters.TAG, r));
    return vectors;
  }

  private void emit(ItemUpdate update, float[] embedding) {
    EmbeddedItem item = EmbeddedItem.of(update, embedding);
    item.emittedTime = System.currentTimeMillis();
    if (update.unchanged) {
      item.source = update.source;
    }
    if (forwardText) {
      item.text = update.text;
    }
    output.collect(new StreamRecord<>(item));
  }
}
