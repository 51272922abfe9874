package io.moc.indexing;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Marks an update whose text is the one already embedded for that item as unchanged, so the model
 * is not run again: catalogs re-publish unchanged items all the time (price, stock changes).
 */
public class SkipUnchangedTextFunction
    extends KeyedProcessFunction<String, ItemUpdate, ItemUpdate> {

  static final ValueStateDescriptor<String> FINGERPRINT =
      new ValueStateDescriptor<>("text-fingerprint", Types.STRING);

  private transient ValueState<String> fingerprint;
  private transient Counter unchanged;

  @Override
  public void open(OpenContext openContext) {
    fingerprint = getRuntimeContext().getState(FINGERPRINT);
    unchanged = getRuntimeContext().getMetricGroup().counter("itemsUnchanged");
  }

  @Override
  public void processElement(ItemUpdate update, Context ctx, Collector<ItemUpdate> out)
      throws Exception {
    if (update.deleted) {
      fingerprint.clear();
      out.collect(update);
      return;
    }
    String previous = fingerprint.value();
    if (update.fingerprint.equals(previous)) {
      unchanged.inc();
      update.unchanged = true;
      update.text = null;
      update.embedding = null;
    } else {
      fingerprint.update(update.fingerprint);
    }
    out.collect(update);
  }
}
