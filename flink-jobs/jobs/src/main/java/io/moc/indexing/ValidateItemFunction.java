package io.moc.indexing;

import io.moc.avro.AvroBytes;
import io.moc.avro.FloatList;
import io.moc.avro.ItemEvent;
import io.moc.common.DeadLetterReason;
import io.moc.common.DeadLetters;
import io.moc.common.ItemKeyCheck;
import io.moc.common.RawRecord;
import io.moc.embed.ItemText;
import io.moc.util.Sha256;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Decodes and validates raw item records. Whatever cannot be used goes to the dead letters with a
 * reason, never an exception: one bad producer must not stop indexing for everybody.
 */
public class ValidateItemFunction extends ProcessFunction<RawRecord, ItemUpdate> {

  /**
   * Text embedding models give vectors of norm about 1; a vector far longer than that was not made
   * by one, and would overflow the float arithmetic of codebook training and assignment.
   */
  static final double MAX_EMBEDDING_NORM = 1000;

  private final String embeddingModel;
  private final int dimension;
  private final int maxTokens;
  private final boolean holdEmbeddings;

  private transient Counter itemsIn;
  private transient DeadLetters deadLetters;

  public ValidateItemFunction(IndexingSettings settings) {
    this.embeddingModel = settings.embeddingModel();
    this.dimension = settings.embeddingDimension();
    this.maxTokens = settings.embedMaxTokens();
    this.holdEmbeddings = settings.holdEmbeddings();
  }

  @Override
  public void open(OpenContext openContext) {
    itemsIn = getRuntimeContext().getMetricGroup().counter("itemsIn");
    getRuntimeContext().getMetricGroup().meter("itemsInPerSecond", new MeterView(itemsIn));
    deadLetters = new DeadLetters(getRuntimeContext().getMetricGroup());
  }

  @Override
  public void processElement(RawRecord raw, Context ctx, Collector<ItemUpdate> out) {
    itemsIn.inc();
    String key = raw.key == null ? null : new String(raw.key, StandardCharsets.UTF_8);
    if (raw.value == null) {
      if (key == null || key.isBlank()) {
        reject(ctx, raw, DeadLetterReason.MISSING_ID, "tombstone without a key");
      } else {
        out.collect(ItemUpdate.deletion(key, raw));
      }
      return;
    }
    ItemEvent event;
    try {
      event = AvroBytes.decode(ItemEvent.class, raw.value);
    } catch (RuntimeException e) {
      reject(ctx, raw, DeadLetterReason.UNDECODABLE, String.valueOf(e.getMessage()));
      return;
    }
    String itemId = event.getItemId();
    ItemKeyCheck problem = ItemKeyCheck.of(key, itemId);
    if (problem != null) {
      reject(ctx, raw, problem.reason(), problem.error());
      return;
    }
    float[] embedding = null;
    if (event.getEmbedding() != null && embeddingModel.equals(event.getEmbeddingModel())) {
      List<Float> values = event.getEmbedding();
      if (values.size() != dimension) {
        reject(
            ctx,
            raw,
            DeadLetterReason.BAD_EMBEDDING_DIMENSION,
            "embedding has " + values.size() + " values, " + embeddingModel + " has " + dimension);
        return;
      }
      embedding = unboxed(values);
      int bad = firstNonFinite(embedding);
      if (bad >= 0) {
        reject(
            ctx,
            raw,
            DeadLetterReason.NON_FINITE_EMBEDDING,
            "embedding[" + bad + "] = " + values.get(bad));
        return;
      }
      double squaredNorm = 0;
      for (float v : embedding) {
        squaredNorm += (double) v * v;
      }
      double norm = Math.sqrt(squaredNorm);
      if (norm == 0 || norm > MAX_EMBEDDING_NORM) {
        reject(ctx, raw, DeadLetterReason.BAD_EMBEDDING_NORM, "embedding norm is " + norm);
        return;
      }
    }
    // A precomputed embedding is used as is: its item's text is composed only when embeddings are
    // dropped after coding, for a new codebook version to re-embed it.
    String text = embedding == null || !holdEmbeddings ? ItemText.compose(event) : null;
    if (embedding == null && text.isBlank()) {
      String why =
          event.getEmbedding() == null
              ? "no title, description, brand or categories, and no embedding"
              : "no text, and the embedding is from "
                  + event.getEmbeddingModel()
                  + ", not "
                  + embeddingModel;
      reject(ctx, raw, DeadLetterReason.NO_TEXT_OR_EMBEDDING, why);
      return;
    }
    ItemUpdate update = new ItemUpdate();
    update.itemId = itemId;
    update.eventTime = event.getEventTime().toEpochMilli();
    update.appendTime = raw.timestamp;
    if (embedding != null) {
      // Travels with its update, so nothing downstream compares it with what was held or can fail
      // on it: no fingerprint and no copy of the record (a backfill pushes millions of these).
      update.embedding = embedding;
      if (!holdEmbeddings && !text.isBlank()) {
        update.text = text;
      }
    } else {
      update.source = raw;
      update.text = text;
      // The same text embedded by another model, or truncated elsewhere, is another embedding.
      update.fingerprint = Sha256.hex(embeddingModel + '\u0000' + maxTokens + '\u0000' + text);
    }
    out.collect(update);
  }

  /** The values as an array: the decoder's own where it gave a {@link FloatList}. */
  private static float[] unboxed(List<Float> values) {
    if (values instanceof FloatList floats) {
      return floats.toFloatArray();
    }
    float[] out = new float[values.size()];
    for (int i = 0; i < out.length; i++) {
      Float v = values.get(i);
      out[i] = v == null ? Float.NaN : v;
    }
    return out;
  }

  /**
   * The index of the first non-finite value, or -1. A method of its own, small and hot, so that the
   * JIT compiles it early: it runs over every value of every item.
   */
  static int firstNonFinite(float[] values) {
    for (int i = 0; i < values.length; i++) {
      if (!Float.isFinite(values[i])) {
        return i;
      }
    }
    return -1;
  }

  private void reject(Context ctx, RawRecord raw, DeadLetterReason reason, String error) {
    ctx.output(DeadLetters.TAG, deadLetters.reject(raw, reason, error));
  }
}
