package io.moc.training;

import io.moc.avro.AvroBytes;
import io.moc.avro.ImpressionEvent;
import io.moc.common.DeadLetterReason;
import io.moc.common.DeadLetters;
import io.moc.common.RawRecord;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Decodes and validates raw impression records (current or any released schema). Whatever cannot be
 * used goes to the dead letters with a reason, never an exception.
 *
 * <p>The record key (the user id by contract) is not checked: the join repartitions by item and
 * nothing downstream relies on the user partitioning, so rejecting a badly keyed impression would
 * only throw away a label.
 */
public class ValidateImpressionFunction extends ProcessFunction<RawRecord, Impression> {

  private transient Counter impressionsIn;
  private transient DeadLetters deadLetters;

  @Override
  public void open(OpenContext openContext) {
    impressionsIn = getRuntimeContext().getMetricGroup().counter("impressionsIn");
    getRuntimeContext()
        .getMetricGroup()
        .meter("impressionsInPerSecond", new MeterView(impressionsIn));
    deadLetters = new DeadLetters(getRuntimeContext().getMetricGroup());
  }

  @Override
  public void processElement(RawRecord raw, Context ctx, Collector<Impression> out) {
    impressionsIn.inc();
    if (raw.value == null) {
      // Impressions are facts, not upserts: a tombstone here means nothing.
      reject(ctx, raw, DeadLetterReason.UNDECODABLE, "tombstone on the impressions topic");
      return;
    }
    ImpressionEvent event;
    try {
      event = AvroBytes.decode(ImpressionEvent.class, raw.value);
    } catch (RuntimeException e) {
      reject(ctx, raw, DeadLetterReason.UNDECODABLE, String.valueOf(e.getMessage()));
      return;
    }
    String missing =
        isBlank(event.getImpressionId())
            ? "impression_id"
            : isBlank(event.getUserId())
                ? "user_id"
                : isBlank(event.getItemId()) ? "item_id" : null;
    if (missing != null) {
      reject(ctx, raw, DeadLetterReason.MISSING_ID, missing + " is empty");
      return;
    }
    if (event.getEventTime().toEpochMilli() < 0) {
      // Used to vanish without trace: neither trained nor dead-lettered.
      reject(ctx, raw, DeadLetterReason.BAD_EVENT_TIME, "event_time " + event.getEventTime());
      return;
    }
    Impression impression = new Impression();
    impression.impressionId = event.getImpressionId();
    impression.userId = event.getUserId();
    impression.itemId = event.getItemId();
    impression.eventTime = event.getEventTime().toEpochMilli();
    impression.clicked = event.getClicked();
    impression.source = raw;
    out.collect(impression);
  }

  private static boolean isBlank(String id) {
    return id == null || id.isBlank();
  }

  private void reject(Context ctx, RawRecord raw, DeadLetterReason reason, String error) {
    ctx.output(DeadLetters.TAG, deadLetters.reject(raw, reason, error));
  }
}
