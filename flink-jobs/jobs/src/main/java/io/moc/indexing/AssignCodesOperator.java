package io.moc.indexing;

import io.moc.codebook.Assignment;
import io.moc.codebook.Codebook;
import io.moc.codebook.CodebookCodec;
import io.moc.common.DeadLetterReason;
import io.moc.common.DeadLetters;
import io.moc.common.RawRecord;
import io.moc.embed.TextEmbedder;
import io.moc.embed.TextEmbedderFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.heap.HeapKeyedStateBackend;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Codes each item with the newest codebook version, and keeps the item's embedding in keyed state
 * so that every item can be re-coded when a newer version arrives. Items that arrive before any
 * codebook wait in that state and are coded when the first version comes.
 *
 * <p>Input 1 is the embedded items, keyed by item; input 2 the validated codebook versions,
 * broadcast to every subtask and kept in broadcast state ({@link CodebookBroadcast#VERSIONS}).
 *
 * <p>A custom operator rather than a {@code KeyedBroadcastProcessFunction}: re-coding every held
 * item in one call ({@code applyToKeyedState}) blocks the task thread, and with it checkpoint
 * barriers, for as long as the whole pass takes (seconds for a large catalog). Here the pass walks
 * the keys lazily in short chunks, each one a mailbox action, so records and barriers are processed
 * between chunks. A restore in the middle of a pass starts the pass again (codes are upserts on a
 * compacted topic, so an item coded twice with the same version is harmless).
 *
 * <p>Given a re-embedder ({@code moc.codebook.hold-embeddings: false}), an item with a text keeps
 * the text and its last codes instead of its embedding once it is coded; a re-coding pass embeds
 * those texts again, in batches, with this operator's own instance of the model, and an unchanged
 * update re-sends the held codes.
 */
public class AssignCodesOperator extends AbstractStreamOperator<CodedItem>
    implements TwoInputStreamOperator<EmbeddedItem, CodebookEntry, CodedItem> {

  private static final Logger LOG = LoggerFactory.getLogger(AssignCodesOperator.class);

  static final ValueStateDescriptor<HeldItem> ITEM =
      new ValueStateDescriptor<>("item", TypeInformation.of(HeldItem.class));

  /** Versions whose re-coding pass had not finished at the checkpoint, over all subtasks. */
  static final ListStateDescriptor<Long> UNFINISHED_PASSES =
      new ListStateDescriptor<>("unfinished-recoding-passes", Types.LONG);

  static final List<String> QUALITY_METRICS =
      List.of("usage", "perplexity", "collision_rate", "discriminability", "information_abundance");

  /** How many versions broadcast state keeps: the active one and a few before it, for rollback. */
  static final int VERSIONS_KEPT = 3;

  /**
   * Items assigned together in a re-coding pass: a batch shares one pass over the codebook's
   * matrices (about 1.5 times the items per second of one at a time for moc).
   */
  static final int RECODE_BATCH = 16;

  private final int chunkItems;
  private final long chunkNanos;
  private final int recodeThreads;
  private final TextEmbedderFactory reembedder;

  private transient ValueState<HeldItem> item;
  private transient BroadcastState<Long, CodebookEntry> versions;
  private transient ListState<Long> unfinishedPasses;
  // Decoded artifacts of the versions in broadcast state; rebuilt lazily after a restore.
  private transient Map<Long, Codebook> decoded;
  // Volatile: the metrics thread reads these for gauges.
  private transient volatile long activeVersion;
  private transient volatile Map<String, Double> activeQuality;
  private transient volatile long waiting;
  private transient volatile long recodingBacklogStart;
  private transient Counter coded;
  private transient Counter recoded;
  private transient Histogram codesLatency;
  private transient Histogram latencyFromEmbed;
  private transient DeadLetters deadLetters;

  // The re-coding pass in progress, if any.
  private transient long passVersion;
  private transient Stream<String> passKeys;
  private transient Iterator<String> passIterator;
  private transient boolean chunkScheduled;
  private transient String[] batchKeys;
  private transient HeldItem[] batchItems;
  private transient float[][] batchEmbeddings;
  // Workers for re-coding batches besides the task thread; null with one thread.
  private transient ExecutorService recodeWorkers;
  // The model that re-embeds held texts; null while embeddings are held.
  private transient TextEmbedder embedder;
  private transient Counter reembedded;

  /**
   * @param chunkItems most items re-coded in one mailbox action
   * @param chunkMillis most time one mailbox action re-codes before it yields to records and
   *     barriers
   * @param recodeThreads threads that assign a re-coding pass's batches: the task thread and {@code
   *     recodeThreads - 1} workers of this subtask
   * @param reembedder the text model, to hold texts instead of embeddings and re-embed them on a
   *     new version; null to hold embeddings
   */
  public AssignCodesOperator(
      int chunkItems, long chunkMillis, int recodeThreads, TextEmbedderFactory reembedder) {
    if (chunkItems < 1 || chunkMillis < 1) {
      throw new IllegalArgumentException("re-coding chunks need at least one item and one ms");
    }
    if (recodeThreads < 1) {
      throw new IllegalArgumentException("re-coding needs at least one thread");
    }
    this.chunkItems = chunkItems;
    this.chunkNanos = chunkMillis * 1_000_000L;
    this.recodeThreads = recodeThreads;
    this.reembedder = reembedder;
  }

  @Override
  public void initializeState(StateInitializationContext context) throws Exception {
    super.initializeState(context);
    versions = context.getOperatorStateStore().getBroadcastState(CodebookBroadcast.VERSIONS);
    // Union: after a rescale, keys of an unfinished pass may have moved to any subtask.
    unfinishedPasses = context.getOperatorStateStore().getUnionListState(UNFINISHED_PASSES);
  }

  @Override
  public void open() throws Exception {
    super.open();
    item = getPartitionedState(ITEM);
    decoded = new HashMap<>();
    batchKeys = new String[RECODE_BATCH * recodeThreads];
    batchItems = new HeldItem[RECODE_BATCH * recodeThreads];
    batchEmbeddings = new float[RECODE_BATCH * recodeThreads][];
    if (recodeThreads > 1) {
      String name =
          "recode-assign-" + getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() + "-";
      AtomicInteger n = new AtomicInteger();
      recodeWorkers =
          Executors.newFixedThreadPool(
              recodeThreads - 1,
              r -> {
                Thread t = new Thread(r, name + n.incrementAndGet());
                t.setDaemon(true);
                return t;
              });
    }
    if (reembedder != null) {
      embedder = reembedder.open();
    }
    activeVersion = -1;
    passVersion = -1;
    activeQuality = Map.of();
    var metrics = getMetricGroup();
    coded = metrics.counter("itemsCoded");
    metrics.meter("itemsCodedPerSecond", new MeterView(coded));
    codesLatency =
        metrics.histogram(
            "codesLatencyMs", new DescriptiveStatisticsHistogram(EmbedTextOperator.LATENCY_WINDOW));
    latencyFromEmbed =
        metrics.histogram(
            "latencyFromEmbedMs",
            new DescriptiveStatisticsHistogram(EmbedTextOperator.LATENCY_WINDOW));
    recoded = metrics.counter("itemsRecoded");
    reembedded = metrics.counter("itemsReembedded");
    metrics.meter("itemsRecodedPerSecond", new MeterView(recoded));
    metrics.gauge("updatesHeldForCodebook", () -> waiting);
    metrics.gauge("activeCodebookVersion", () -> activeVersion);
    metrics.gauge("recodingPassActive", () -> recodingBacklogStart > 0 ? 1 : 0);
    // The active version's code quality on the items it was trained on.
    for (String name : QUALITY_METRICS) {
      metrics.gauge("codebook_" + name, () -> activeQuality.getOrDefault(name, Double.NaN));
    }
    deadLetters = new DeadLetters(metrics);

    Codebook restored = active();
    if (restored != null) {
      for (Long unfinished : unfinishedPasses.get()) {
        if (unfinished == activeVersion) {
          LOG.info("Restarting the unfinished re-coding pass of codebook version {}", unfinished);
          startPass(activeVersion);
          break;
        }
      }
    }
  }

  @Override
  public void processElement1(StreamRecord<EmbeddedItem> record) throws Exception {
    EmbeddedItem e = record.getValue();
    if (e.emittedTime > 0 && e.embedding != null) {
      // The shuffle from the embedding operator: network buffers and their flush timeout.
      latencyFromEmbed.update(Math.max(0, System.currentTimeMillis() - e.emittedTime));
    }
    if (e.deleted) {
      item.clear();
      output.collect(record.replace(CodedItem.deletion(e.itemId)));
      return;
    }
    HeldItem held;
    if (e.embedding != null) {
      held = new HeldItem(e.embedding, e.eventTime);
      held.text = embedder != null ? e.text : null;
    } else {
      held = item.value();
      if (held == null) {
        // The text is unchanged but its first embedding failed (and was dead-lettered then).
        output.collect(
            DeadLetters.TAG,
            new StreamRecord<>(
                deadLetters.reject(
                    e.source,
                    DeadLetterReason.EMBEDDING_FAILED,
                    "no embedding held for unchanged text")));
        return;
      }
      held.eventTime = e.eventTime;
    }
    Codebook codebook = active();
    if (codebook == null) {
      item.update(held);
      if (e.embedding != null) {
        waiting++;
      }
      return;
    }
    Assignment assignment = assignHeld(e.itemId, held, codebook);
    if (assignment == null) {
      // Its text failed to embed again (dead-lettered): the held state stays as it was.
      item.update(held);
      return;
    }
    item.update(afterCoding(held, activeVersion, assignment));
    coded.inc();
    CodedItem codes = coded(e.itemId, held, activeVersion, assignment);
    if (e.appendTime > 0) {
      // From the item's append to items (broker time) to its codes leaving this operator: what a
      // consumer waits, less the sink's linger.
      codesLatency.update(Math.max(0, codes.codedTime - e.appendTime));
    }
    output.collect(record.replace(codes));
  }

  @Override
  public void processElement2(StreamRecord<CodebookEntry> record) throws Exception {
    CodebookEntry entry = record.getValue();
    if (versions.contains(entry.version)) {
      return;
    }
    active();
    versions.put(entry.version, entry);
    retireOldVersions();
    if (entry.version <= activeVersion) {
      return;
    }
    decode(entry);
    waiting = 0;
    activeVersion = entry.version;
    activeQuality = entry.metrics();
    startPass(entry.version);
  }

  /** Starts re-coding every held item with {@code version}, abandoning an older pass. */
  private void startPass(long version) throws Exception {
    endPass();
    passVersion = version;
    if (getKeyedStateBackend() instanceof HeapKeyedStateBackend) {
      // The heap backend's key iterator fails on concurrent writes, and records are processed
      // between chunks: copy the keys (small next to the heap state itself).
      List<String> keys;
      try (Stream<String> all = keys()) {
        keys = all.toList();
      }
      passKeys = Stream.empty();
      passIterator = keys.iterator();
    } else {
      // RocksDB's iterator reads a consistent snapshot: writes meanwhile are safe, and keys are
      // read lazily, not all at once.
      passKeys = keys();
      passIterator = passKeys.iterator();
    }
    recodingBacklogStart = System.currentTimeMillis();
    scheduleChunk();
  }

  private Stream<String> keys() {
    KeyedStateBackend<String> backend = getKeyedStateBackend();
    return backend.getKeys(ITEM.getName(), VoidNamespace.INSTANCE);
  }

  private void scheduleChunk() {
    if (!chunkScheduled) {
      chunkScheduled = true;
      // A processing-time callback runs as a mailbox action, a millisecond or more later: records
      // and barriers queued meanwhile are processed before the next chunk.
      getProcessingTimeService()
          .registerTimer(
              getProcessingTimeService().getCurrentProcessingTime() + 1, t -> recodeChunk());
    }
  }

  private void recodeChunk() throws Exception {
    chunkScheduled = false;
    if (passIterator == null) {
      return;
    }
    Codebook codebook = decoded.get(passVersion);
    Object keyBefore = getCurrentKey();
    long deadline = System.nanoTime() + chunkNanos;
    int n = 0;
    int group = batchKeys.length;
    while (passIterator.hasNext() && n < chunkItems && System.nanoTime() < deadline) {
      int count = 0;
      while (count < group && n < chunkItems && passIterator.hasNext()) {
        String key = passIterator.next();
        n++;
        setCurrentKey(key);
        HeldItem held = item.value();
        if (held == null) {
          continue;
        }
        if (held.embedding == null && held.codes != null && held.codesVersion == passVersion) {
          // Coded with this version since the pass began: nothing to embed again.
          recoded.inc();
          coded.inc();
          output.collect(new StreamRecord<>(coded(key, held, passVersion, heldCodes(held))));
          continue;
        }
        batchKeys[count] = key;
        batchItems[count] = held;
        batchEmbeddings[count] = held.embedding;
        count++;
      }
      count = reembedMissing(count);
      Assignment[] assignments = assign(codebook, count);
      for (int i = 0; i < count; i++) {
        recoded.inc();
        coded.inc();
        output.collect(
            new StreamRecord<>(coded(batchKeys[i], batchItems[i], passVersion, assignments[i])));
        if (embedder != null && batchItems[i].text != null) {
          setCurrentKey(batchKeys[i]);
          item.update(afterCoding(batchItems[i], passVersion, assignments[i]));
        }
        batchItems[i] = null;
        batchEmbeddings[i] = null;
      }
    }
    if (keyBefore != null) {
      setCurrentKey(keyBefore);
    }
    if (passIterator.hasNext()) {
      scheduleChunk();
    } else {
      LOG.info(
          "Re-coded the held items with codebook version {} in {} ms",
          passVersion,
          System.currentTimeMillis() - recodingBacklogStart);
      endPass();
    }
  }

  /**
   * The codes of the first {@code count} held embeddings: in batches of {@link #RECODE_BATCH}, the
   * last on the task thread and the others on the workers, which only read the immutable codebook
   * and the embeddings (state and output stay on the task thread).
   */
  private Assignment[] assign(Codebook codebook, int count) throws Exception {
    if (recodeWorkers == null || count <= RECODE_BATCH) {
      return codebook.assign(batchEmbeddings, count);
    }
    List<Future<Assignment[]>> others = new ArrayList<>();
    int start = 0;
    for (; start + RECODE_BATCH < count; start += RECODE_BATCH) {
      float[][] slice = Arrays.copyOfRange(batchEmbeddings, start, start + RECODE_BATCH);
      others.add(recodeWorkers.submit(() -> codebook.assign(slice, slice.length)));
    }
    float[][] last = Arrays.copyOfRange(batchEmbeddings, start, count);
    Assignment[] mine = codebook.assign(last, last.length);
    Assignment[] out = new Assignment[count];
    int at = 0;
    for (Future<Assignment[]> f : others) {
      Assignment[] part = f.get();
      System.arraycopy(part, 0, out, at, part.length);
      at += part.length;
    }
    System.arraycopy(mine, 0, out, at, mine.length);
    return out;
  }

  /**
   * Embeds the held texts of the first {@code count} batch entries that hold no embedding, in one
   * model call; entries whose text fails are dead-lettered and taken out of the batch.
   *
   * @return the entries left
   */
  private int reembedMissing(int count) {
    List<Integer> missing = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      if (batchEmbeddings[i] == null) {
        missing.add(i);
      }
    }
    if (missing.isEmpty()) {
      return count;
    }
    List<String> texts = new ArrayList<>();
    List<String> keys = new ArrayList<>();
    for (int i : missing) {
      texts.add(batchItems[i].text);
      keys.add(batchKeys[i]);
    }
    float[][] vectors = reembed(texts, keys);
    for (int j = 0; j < missing.size(); j++) {
      batchEmbeddings[missing.get(j)] = vectors[j];
    }
    int kept = 0;
    for (int i = 0; i < count; i++) {
      if (batchEmbeddings[i] != null) {
        batchKeys[kept] = batchKeys[i];
        batchItems[kept] = batchItems[i];
        batchEmbeddings[kept] = batchEmbeddings[i];
        kept++;
      }
    }
    for (int i = kept; i < count; i++) {
      batchItems[i] = null;
      batchEmbeddings[i] = null;
    }
    return kept;
  }

  /**
   * One model call for {@code texts}; if it fails, each text alone, so that one bad text fails only
   * itself (dead-lettered, its entry null). If every text fails alone too, the model is broken, not
   * the input: the job must restart rather than dead-letter the catalog.
   */
  private float[][] reembed(List<String> texts, List<String> keys) {
    try {
      float[][] vectors = embedder.embed(texts);
      reembedded.inc(texts.size());
      return vectors;
    } catch (RuntimeException batchFailure) {
      LOG.warn("Re-embedding {} texts failed; embedding one by one", texts.size(), batchFailure);
    }
    int[] failed = {0};
    float[][] vectors =
        embedder.embedEach(
            texts,
            (i, e) -> {
              failed[0]++;
              RawRecord raw =
                  new RawRecord(
                      "",
                      -1,
                      -1,
                      System.currentTimeMillis(),
                      keys.get(i).getBytes(StandardCharsets.UTF_8),
                      null);
              output.collect(
                  DeadLetters.TAG,
                  new StreamRecord<>(
                      deadLetters.reject(
                          raw,
                          DeadLetterReason.EMBEDDING_FAILED,
                          "re-embedding the held text: " + e)));
            });
    reembedded.inc(texts.size() - failed[0]);
    return vectors;
  }

  /** The codes of a held item under the active version: from its embedding, held codes or text. */
  private Assignment assignHeld(String itemId, HeldItem held, Codebook codebook) {
    if (held.embedding != null) {
      return codebook.assign(held.embedding);
    }
    if (held.codes != null && held.codesVersion == activeVersion) {
      return heldCodes(held);
    }
    float[] vector = reembed(List.of(held.text), List.of(itemId))[0];
    return vector == null ? null : codebook.assign(vector);
  }

  private static Assignment heldCodes(HeldItem held) {
    return new Assignment(held.codes, held.quantizationError);
  }

  /** What to hold once {@code held} is coded: its text and codes instead of its embedding. */
  private HeldItem afterCoding(HeldItem held, long version, Assignment assignment) {
    if (embedder != null && held.text != null) {
      held.embedding = null;
      held.codes = assignment.codes();
      held.codesVersion = version;
      held.quantizationError = assignment.error();
    }
    return held;
  }

  private void endPass() {
    if (passKeys != null) {
      passKeys.close();
    }
    passKeys = null;
    passIterator = null;
    passVersion = -1;
    recodingBacklogStart = 0;
  }

  /** True while a re-coding pass has items left; for tests and benchmarks. */
  boolean recoding() {
    return passIterator != null;
  }

  @Override
  public void snapshotState(StateSnapshotContext context) throws Exception {
    super.snapshotState(context);
    unfinishedPasses.update(passIterator != null ? List.of(passVersion) : List.of());
  }

  private void retireOldVersions() throws Exception {
    List<Long> all = new ArrayList<>();
    for (Map.Entry<Long, CodebookEntry> v : versions.entries()) {
      all.add(v.getKey());
    }
    all.sort(Comparator.reverseOrder());
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
    // Before the state backend is disposed: RocksDB iterators must not outlive the database.
    endPass();
    if (recodeWorkers != null) {
      recodeWorkers.shutdownNow();
    }
    if (embedder != null) {
      embedder.close();
    }
    if (decoded != null) {
      decoded.values().forEach(Codebook::close);
    }
    super.close();
  }

  /** The newest version in broadcast state, or null before the first one. */
  private Codebook active() throws Exception {
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

  private static CodedItem coded(String itemId, HeldItem held, long version, Assignment a) {
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
