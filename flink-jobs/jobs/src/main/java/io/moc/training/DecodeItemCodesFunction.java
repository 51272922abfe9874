package io.moc.training;

import io.moc.avro.AvroBytes;
import io.moc.avro.ItemCodes;
import io.moc.common.DeadLetterReason;
import io.moc.common.DeadLetters;
import io.moc.common.ItemKeyCheck;
import io.moc.common.RawRecord;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Decodes records of the compacted item-codes topic into code updates; a tombstone is the item's
 * deletion. Anything else that cannot be used goes to the dead letters with a reason.
 */
public class DecodeItemCodesFunction extends ProcessFunction<RawRecord, ItemCodesUpdate> {

  private transient DeadLetters deadLetters;

  @Override
  public void open(OpenContext openContext) {
    deadLetters = new DeadLetters(getRuntimeContext().getMetricGroup());
  }

  @Override
  public void processElement(RawRecord raw, Context ctx, Collector<ItemCodesUpdate> out) {
    String key = raw.key == null ? null : new String(raw.key, StandardCharsets.UTF_8);
    if (raw.value == null) {
      if (key == null || key.isBlank()) {
        reject(ctx, raw, DeadLetterReason.MISSING_ID, "tombstone without a key");
      } else {
        out.collect(ItemCodesUpdate.deletion(key));
      }
      return;
    }
    ItemCodes codes;
    try {
      codes = AvroBytes.decode(ItemCodes.class, raw.value);
    } catch (RuntimeException e) {
      reject(ctx, raw, DeadLetterReason.UNDECODABLE, String.valueOf(e.getMessage()));
      return;
    }
    String itemId = codes.getItemId();
    ItemKeyCheck problem = ItemKeyCheck.of(key, itemId);
    if (problem != null) {
      reject(ctx, raw, problem.reason(), problem.error());
      return;
    }
    List<Integer> values = codes.getCodes();
    if (values.isEmpty()) {
      reject(ctx, raw, DeadLetterReason.INVALID_CODES, "no codes");
      return;
    }
    int[] array = new int[values.size()];
    for (int i = 0; i < array.length; i++) {
      Integer code = values.get(i);
      if (code == null || code < 0) {
        reject(ctx, raw, DeadLetterReason.INVALID_CODES, "codes[" + i + "] = " + code);
        return;
      }
      array[i] = code;
    }
    ItemCodesUpdate update = new ItemCodesUpdate();
    update.itemId = itemId;
    update.codebookVersion = codes.getCodebookVersion();
    update.codes = array;
    update.itemEventTime = codes.getItemEventTime().toEpochMilli();
    out.collect(update);
  }

  private void reject(Context ctx, RawRecord raw, DeadLetterReason reason, String error) {
    ctx.output(DeadLetters.TAG, deadLetters.reject(raw, reason, error));
  }
}
