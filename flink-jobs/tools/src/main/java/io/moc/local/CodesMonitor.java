package io.moc.local;

import io.moc.avro.AvroBytes;
import io.moc.avro.DeadLetter;
import io.moc.avro.ItemCodes;
import io.moc.common.DeadLetterReason;
import io.moc.indexing.CodebookEntry;
import io.moc.kafka.KafkaConnection;
import io.moc.kafka.TopicTail;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;

/**
 * Watches the output topics the way a downstream consumer sees them, and measures the latency from
 * an item's append to {@code items} to the append of its codes to {@code item-codes}: both are
 * broker append times (the topics use LogAppendTime), so one clock measures both ends.
 */
public final class CodesMonitor implements Runnable, AutoCloseable {

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final String itemCodesTopic;
  private final String deadLettersTopic;
  private final Map<String, Long> appendTimes;

  // Guarded by this.
  private final Map<String, Long> matchedAppend = new HashMap<>();
  private final Map<String, Long> versionOfItem = new HashMap<>();
  private final Map<String, Long> deadLettersByReason = new TreeMap<>();
  private final Set<Long> rejectedVersions = new TreeSet<>();
  private final List<Long> latencies = new ArrayList<>();
  private long codesRecords;
  private long unreadable;
  private long deadLetters;
  private long codebookVersion = -1;
  private long firstCodebookAppend = Long.MAX_VALUE;
  private long lastCodesAppend;
  private volatile boolean closed;

  /**
   * @param appendTimes live map from item id to the append time of its latest publication, kept by
   *     the feeder
   */
  public CodesMonitor(
      KafkaConnection kafka,
      String itemCodesTopic,
      String deadLettersTopic,
      Map<String, Long> appendTimes) {
    this.consumer = new KafkaConsumer<>(kafka.bytesReaderProperties());
    this.itemCodesTopic = itemCodesTopic;
    this.deadLettersTopic = deadLettersTopic;
    this.appendTimes = appendTimes;
  }

  /** A monitor of the job's output topics, already running on a daemon thread. */
  public static CodesMonitor start(
      KafkaConnection kafka,
      io.moc.indexing.IndexingSettings settings,
      Map<String, Long> appendTimes) {
    CodesMonitor monitor =
        new CodesMonitor(
            kafka, settings.itemCodesTopic(), settings.deadLettersTopic(), appendTimes);
    Thread thread = new Thread(monitor, "moc-monitor");
    thread.setDaemon(true);
    thread.start();
    return monitor;
  }

  @Override
  public void run() {
    TopicTail.assignFromBeginning(consumer, List.of(itemCodesTopic, deadLettersTopic));
    try {
      while (!closed) {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(200));
        synchronized (this) {
          for (ConsumerRecord<byte[], byte[]> r : records.records(itemCodesTopic)) {
            try {
              onCodes(r);
            } catch (RuntimeException e) {
              // A record the monitor cannot read must not freeze progress and the report.
              unreadable++;
            }
          }
          for (ConsumerRecord<byte[], byte[]> r : records.records(deadLettersTopic)) {
            String reason;
            try {
              DeadLetter letter = AvroBytes.decode(DeadLetter.class, r.value());
              reason = letter.getReason();
              if (reason.equals(DeadLetterReason.INVALID_CODEBOOK.name())) {
                onRejectedCodebook(letter);
              }
            } catch (RuntimeException e) {
              reason = "<unreadable>";
            }
            deadLettersByReason.merge(reason, 1L, Long::sum);
            deadLetters++;
          }
        }
      }
    } catch (WakeupException e) {
      if (!closed) {
        throw e;
      }
    } finally {
      consumer.close();
    }
  }

  private void onRejectedCodebook(DeadLetter letter) {
    if (letter.getValue() == null || letter.getTruncated()) {
      return;
    }
    try {
      byte[] value = new byte[letter.getValue().remaining()];
      letter.getValue().duplicate().get(value);
      rejectedVersions.add(CodebookEntry.decode(value).version);
    } catch (RuntimeException undecodable) {
      // Rejected without a version number to show.
    }
  }

  private void onCodes(ConsumerRecord<byte[], byte[]> r) {
    String itemId = new String(r.key(), StandardCharsets.UTF_8);
    if (r.value() == null) {
      versionOfItem.remove(itemId);
      return;
    }
    codesRecords++;
    lastCodesAppend = r.timestamp();
    // The first codes show when a codebook became active in the job: a transactional codebook is
    // appended before the checkpoint that commits it, so its own timestamp is too early.
    firstCodebookAppend = Math.min(firstCodebookAppend, r.timestamp());
    ItemCodes codes = AvroBytes.decode(ItemCodes.class, r.value());
    versionOfItem.put(itemId, codes.getCodebookVersion());
    // Only a version that passed validation codes items: the newest in use is the active one.
    codebookVersion = Math.max(codebookVersion, codes.getCodebookVersion());
    Long appended = appendTimes.get(itemId);
    if (appended == null
        || appended > r.timestamp()
        || appended.equals(matchedAppend.get(itemId))) {
      return;
    }
    matchedAppend.put(itemId, appended);
    // Items published before the first codebook waited for it by design: not indexing latency.
    if (appended >= firstCodebookAppend) {
      latencies.add(r.timestamp() - appended);
    }
  }

  /** What the monitor has seen so far. */
  public synchronized Snapshot snapshot() {
    long[] sorted = latencies.stream().mapToLong(Long::longValue).toArray();
    Arrays.sort(sorted);
    return new Snapshot(
        versionOfItem.size(),
        codesRecords,
        deadLetters,
        new TreeMap<>(deadLettersByReason),
        codebookVersion,
        new TreeSet<>(rejectedVersions),
        sorted.length,
        percentile(sorted, 0.50),
        percentile(sorted, 0.99),
        lastCodesAppend,
        unreadable);
  }

  /** The nearest-rank {@code q} quantile of sorted values; -1 for none. */
  public static long percentile(long[] sorted, double q) {
    if (sorted.length == 0) {
      return -1;
    }
    int index = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }

  /**
   * @param itemsCoded distinct items whose latest record on item-codes is codes, not a deletion
   * @param latencySamples items whose latency was measured (published after the first codebook)
   */
  public record Snapshot(
      long itemsCoded,
      long codesRecords,
      long deadLetters,
      Map<String, Long> deadLettersByReason,
      long codebookVersion,
      Set<Long> rejectedCodebookVersions,
      long latencySamples,
      long latencyP50,
      long latencyP99,
      long lastCodesAppend,
      long unreadableCodes) {}

  @Override
  public void close() {
    closed = true;
    consumer.wakeup();
  }
}
