package io.moc.indexing;

import io.moc.common.DeadLetterReason;
import io.moc.common.DeadLetters;
import io.moc.embed.TextEmbedder;
import io.moc.embed.TextEmbedderFactory;
import java.util.ArrayList;
import java.util.List;
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
 * Embeds item text in micro-batches bounded by size and by wait time: the model is far cheaper per
 * item in a batch, and the wait bound keeps latency low when traffic is light.
 *
 * <p>The buffer is never checkpointed: it is flushed before every checkpoint barrier, so no item is
 * lost or embedded twice across a restore. Updates that need no embedding go through the same
 * buffer so that per-item order (an update, then its deletion) is kept.
 */
public class EmbedTextOperator extends AbstractStreamOperator<EmbeddedItem>
    implements OneInputStreamOperator<ItemUpdate, EmbeddedItem> {

  private static final Logger LOG = LoggerFactory.getLogger(EmbedTextOperator.class);

  private final TextEmbedderFactory embedderFactory;
  private final int maxBatchSize;
  private final long maxWaitMillis;

  private transient TextEmbedder embedder;
  private transient List<ItemUpdate> buffer;
  private transient int textsBuffered;
  private transient boolean timerPending;
  private transient Counter embedded;
  private transient Histogram batchSize;
  private transient Histogram batchLatency;
  private transient DeadLetters deadLetters;
  private transient volatile long lastBatchSize;
  private transient volatile long lastBatchMillis;

  public EmbedTextOperator(
      TextEmbedderFactory embedderFactory, int maxBatchSize, long maxWaitMillis) {
    this.embedderFactory = embedderFactory;
    this.maxBatchSize = maxBatchSize;
    this.maxWaitMillis = maxWaitMillis;
  }

  @Override
  public void open() throws Exception {
    super.open();
    embedder = embedderFactory.open();
    buffer = new ArrayList<>();
    embedded = getMetricGroup().counter("itemsEmbedded");
    getMetricGroup().meter("itemsEmbeddedPerSecond", new MeterView(embedded));
    batchSize =
        getMetricGroup().histogram("embedBatchSize", new DescriptiveStatisticsHistogram(1000));
    batchLatency =
        getMetricGroup().histogram("embedBatchLatencyMs", new DescriptiveStatisticsHistogram(1000));
    getMetricGroup().gauge("lastEmbedBatchSize", () -> lastBatchSize);
    getMetricGroup().gauge("lastEmbedBatchLatencyMs", () -> lastBatchMillis);
    deadLetters = new DeadLetters(getMetricGroup());
  }

  @Override
  public void processElement(StreamRecord<ItemUpdate> element) throws Exception {
    ItemUpdate update = element.getValue();
    if (!update.needsEmbedding() && buffer.isEmpty()) {
      emit(update, update.embedding);
      return;
    }
    buffer.add(update);
    if (update.needsEmbedding()) {
      textsBuffered++;
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

  private void flush() {
    if (buffer.isEmpty()) {
      return;
    }
    List<ItemUpdate> batch = buffer;
    buffer = new ArrayList<>();
    textsBuffered = 0;
    List<String> texts = new ArrayList<>();
    for (ItemUpdate u : batch) {
      if (u.needsEmbedding()) {
        texts.add(u.text);
      }
    }
    float[][] vectors = texts.isEmpty() ? new float[0][] : embedBatch(batch, texts);
    int next = 0;
    for (ItemUpdate u : batch) {
      if (!u.needsEmbedding()) {
        emit(u, u.embedding);
        continue;
      }
      float[] vector = vectors[next++];
      if (vector != null) {
        embedded.inc();
        emit(u, vector);
      }
    }
  }

  /** One model call; if the batch fails, each text alone, so one bad text fails only itself. */
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
    } catch (Exception batchFailure) {
      LOG.warn("Embedding a batch of {} failed; embedding one by one", texts.size(), batchFailure);
    }
    float[][] vectors = new float[texts.size()][];
    int i = 0;
    for (ItemUpdate u : batch) {
      if (!u.needsEmbedding()) {
        continue;
      }
      try {
        vectors[i] = embedder.embed(List.of(u.text))[0];
      } catch (Exception e) {
        output.collect(
            DeadLetters.TAG,
            new StreamRecord<>(
                deadLetters.reject(
                    u.source, DeadLetterReason.EMBEDDING_FAILED, String.valueOf(e))));
      }
      i++;
    }
    return vectors;
  }

  private void emit(ItemUpdate update, float[] embedding) {
    EmbeddedItem item = EmbeddedItem.of(update, embedding);
    if (update.unchanged) {
      item.source = update.source;
    }
    output.collect(new StreamRecord<>(item));
  }
}
