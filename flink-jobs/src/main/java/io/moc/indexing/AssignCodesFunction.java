package io.moc.indexing;

import io.moc.codebook.Assignment;
import io.moc.codebook.Codebook;
import io.moc.codebook.CodebookCodec;
import io.moc.common.DeadLetterReason;
import io.moc.common.DeadLetters;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Codes each item with the newest codebook version in broadcast state, and keeps the item's
 * embedding in keyed state so that every item can be re-coded when a newer version arrives. Items
 * that arrive before any codebook wait in that state and are coded when the first version comes.
 */
public class AssignCodesFunction
    extends KeyedBroadcastProcessFunction<String, EmbeddedItem, CodebookEntry, CodedItem> {

  static final ValueStateDescriptor<HeldItem> ITEM =
      new ValueStateDescriptor<>("item", TypeInformation.of(HeldItem.class));

  static final java.util.List<String> QUALITY_METRICS =
      java.util.List.of(
          "usage", "perplexity", "collision_rate", "discriminability", "information_abundance");

  /** How many versions broadcast state keeps: the active one and a few before it, for rollback. */
  static final int VERSIONS_KEPT = 3;

  private transient ValueState<HeldItem> item;
  // Decoded artifacts of the versions in broadcast state; rebuilt lazily after a restore.
  private transient Map<Long, Codebook> decoded;
  // Volatile: the metrics thread reads it for the activeCodebookVersion gauge.
  private transient volatile long activeVersion;
  private transient volatile Map<String, Double> activeQuality;
  private transient Counter coded;
  private transient Counter recoded;
  // Updates held since start while no codebook is active; a gauge, 0 once one is.
  private transient volatile long waiting;
  private transient DeadLetters deadLetters;

  @Override
  public void open(OpenContext openContext) {
    item = getRuntimeContext().getState(ITEM);
    decoded = new HashMap<>();
    activeVersion = -1;
    var metrics = getRuntimeContext().getMetricGroup();
    coded = metrics.counter("itemsCoded");
    metrics.meter("itemsCodedPerSecond", new MeterView(coded));
    recoded = metrics.counter("itemsRecoded");
    metrics.gauge("updatesHeldForCodebook", () -> waiting);
    metrics.gauge("activeCodebookVersion", () -> activeVersion);
    // The active version's code quality on the items it was trained on.
    activeQuality = Map.of();
    for (String name : QUALITY_METRICS) {
      metrics.gauge("codebook_" + name, () -> activeQuality.getOrDefault(name, Double.NaN));
    }
    deadLetters = new DeadLetters(metrics);
  }

  @Override
  public void processElement(EmbeddedItem e, ReadOnlyContext ctx, Collector<CodedItem> out)
      throws Exception {
    if (e.deleted) {
      item.clear();
      out.collect(CodedItem.deletion(e.itemId));
      return;
    }
    HeldItem held;
    if (e.embedding != null) {
      held = new HeldItem(e.embedding, e.eventTime);
    } else {
      held = item.value();
      if (held == null) {
        // The text is unchanged but its first embedding failed (and was dead-lettered then).
        ctx.output(
            DeadLetters.TAG,
            deadLetters.reject(
                e.source,
                DeadLetterReason.EMBEDDING_FAILED,
                "no embedding held for unchanged text"));
        return;
      }
      held.eventTime = e.eventTime;
    }
    item.update(held);
    Codebook codebook = active(ctx.getBroadcastState(CodebookBroadcast.VERSIONS));
    if (codebook == null) {
      if (e.embedding != null) {
        waiting++;
      }
      return;
    }
    coded.inc();
    out.collect(code(e.itemId, held, activeVersion, codebook));
  }

  @Override
  public void processBroadcastElement(CodebookEntry entry, Context ctx, Collector<CodedItem> out)
      throws Exception {
    BroadcastState<Long, CodebookEntry> versions =
        ctx.getBroadcastState(CodebookBroadcast.VERSIONS);
    if (versions.contains(entry.version)) {
      return;
    }
    active(versions);
    versions.put(entry.version, entry);
    retireOldVersions(versions);
    if (entry.version <= activeVersion) {
      return;
    }
    Codebook codebook = decode(entry);
    long version = entry.version;
    waiting = 0;
    activeVersion = version;
    activeQuality = entry.metrics();
    ctx.applyToKeyedState(
        ITEM,
        (key, state) -> {
          HeldItem held = state.value();
          if (held != null) {
            recoded.inc();
            coded.inc();
            out.collect(code(key, held, version, codebook));
          }
        });
  }

  private void retireOldVersions(BroadcastState<Long, CodebookEntry> versions) throws Exception {
    java.util.List<Long> all = new java.util.ArrayList<>();
    for (Map.Entry<Long, CodebookEntry> v : versions.entries()) {
      all.add(v.getKey());
    }
    all.sort(java.util.Comparator.reverseOrder());
    for (int i = VERSIONS_KEPT; i < all.size(); i++) {
      versions.remove(all.get(i));
      Codebook retired = decoded.remove(all.get(i));
      if (retired != null) {
        retired.close();
      }
    }
  }

  @Override
  public void close() throws Exception {
    if (decoded != null) {
      decoded.values().forEach(Codebook::close);
    }
    super.close();
  }

  /** The newest version in broadcast state, or null before the first one. */
  private Codebook active(ReadOnlyBroadcastState<Long, CodebookEntry> versions) throws Exception {
    if (activeVersion < 0) {
      // After a restore only the broadcast state is known: find the newest version in it.
      CodebookEntry newest = null;
      for (Map.Entry<Long, CodebookEntry> v : versions.immutableEntries()) {
        if (newest == null || v.getKey() > newest.version) {
          newest = v.getValue();
        }
      }
      if (newest == null) {
        return null;
      }
      activeVersion = newest.version;
      activeQuality = newest.metrics();
      return decode(newest);
    }
    Codebook codebook = decoded.get(activeVersion);
    return codebook != null ? codebook : decode(versions.get(activeVersion));
  }

  private Codebook decode(CodebookEntry entry) {
    return decoded.computeIfAbsent(
        entry.version, v -> CodebookCodec.deserialize(entry.method, entry.artifact));
  }

  private static CodedItem code(String itemId, HeldItem held, long version, Codebook codebook) {
    Assignment a = codebook.assign(held.embedding);
    CodedItem c = new CodedItem();
    c.itemId = itemId;
    c.codebookVersion = version;
    c.codes = a.codes();
    c.quantizationError = a.error();
    c.itemEventTime = held.eventTime;
    c.codedTime = System.currentTimeMillis();
    return c;
  }
}
