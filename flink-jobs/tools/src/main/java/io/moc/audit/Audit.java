package io.moc.audit;

import io.moc.avro.AvroBytes;
import io.moc.avro.DeadLetter;
import io.moc.avro.ItemCodes;
import io.moc.avro.ItemEvent;
import io.moc.avro.ModelSnapshot;
import io.moc.common.DeadLetterReason;
import io.moc.common.KafkaOptions;
import io.moc.indexing.CodebookEntry;
import io.moc.kafka.KafkaConnection;
import io.moc.kafka.TopicTail;
import io.moc.training.TrainCtrOperator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Reads a deployment's topics up to their current ends and accounts for every input record.
 *
 * <p>An item record (topic, partition, offset) is <em>coded</em> when item-codes holds codes of its
 * key computed from that event time or a later one; <em>superseded</em> when a later record of the
 * key is accounted for; <em>deleted</em> when it is a tombstone and item-codes holds the key's
 * tombstone; <em>dead-lettered</em> when dead-letters names its coordinates; otherwise it is <em>in
 * flight</em>. Impressions are reconciled by count, because a model does not say which impressions
 * it trained on: records = dead-lettered + trained (the newest snapshot's {@code
 * impressions_trained}) + in flight. Codebook and model versions published twice are reported too.
 * Dead letters are counted once per coordinates: the dead-letter sink is at-least-once.
 */
public final class Audit {

  /** How one input record is accounted for. */
  public enum Outcome {
    CODED,
    SUPERSEDED,
    DELETED,
    DEAD_LETTERED,
    IN_FLIGHT
  }

  /** The topics an audit reads. */
  public record Topics(
      String items,
      String itemCodes,
      String codebooks,
      String impressions,
      String ctrModels,
      String deadLetters) {

    public static Topics of(ReadableConfig config) {
      return new Topics(
          config.get(KafkaOptions.ITEMS_TOPIC),
          config.get(KafkaOptions.ITEM_CODES_TOPIC),
          config.get(KafkaOptions.CODEBOOKS_TOPIC),
          config.get(KafkaOptions.IMPRESSIONS_TOPIC),
          config.get(KafkaOptions.CTR_MODELS_TOPIC),
          config.get(KafkaOptions.DEAD_LETTERS_TOPIC));
    }
  }

  /** A record not accounted for, by its coordinates. */
  public record Unaccounted(String topic, int partition, long offset, String key, String why) {}

  /**
   * What the audit found.
   *
   * @param items per outcome, records of the items topic
   * @param itemKeys distinct keys on the items topic
   * @param itemsCodedKeys distinct keys whose latest item-codes record is codes
   * @param impressionsTrained the newest model snapshot's count; -1 before the first snapshot
   * @param impressionsInFlight records - dead-lettered - trained; negative means double counting
   * @param activeCodebookVersion the newest version any item is coded with; -1: none
   * @param rejectedCodebookVersions versions dead-lettered as INVALID_CODEBOOK
   */
  public record Result(
      Map<Outcome, Long> items,
      long itemKeys,
      long itemsCodedKeys,
      long itemCodesRecords,
      long impressions,
      long impressionsDeadLettered,
      long impressionsTrained,
      long impressionsInFlight,
      long codebookRecords,
      long codebookRecordsRejected,
      long activeCodebookVersion,
      Set<Long> rejectedCodebookVersions,
      Set<Long> codebookVersionsPublishedTwice,
      Set<Long> modelVersionsPublishedTwice,
      Map<String, Long> deadLettersByReason,
      long deadLetterRecords,
      List<Unaccounted> unaccounted) {

    /** Items in flight, impressions in flight or double counted, versions published twice. */
    public boolean accountsForEverything() {
      return unaccounted.isEmpty()
          && impressionsInFlight == 0
          && codebookVersionsPublishedTwice.isEmpty()
          && modelVersionsPublishedTwice.isEmpty();
    }

    /** The audit as the console shows it. */
    public String table() {
      Result r = this;
      StringBuilder s = new StringBuilder();
      Map<Outcome, Long> items = r.items();
      long itemRecords = items.values().stream().mapToLong(Long::longValue).sum();
      s.append(
          String.format(
              "%-12s %9s %9s %11s %8s %14s %9s %10s%n",
              "topic",
              "records",
              "coded",
              "superseded",
              "deleted",
              "dead-lettered",
              "trained",
              "in flight"));
      s.append(
          String.format(
              "%-12s %9d %9d %11d %8d %14d %9s %10d%n",
              "items",
              itemRecords,
              items.get(Outcome.CODED),
              items.get(Outcome.SUPERSEDED),
              items.get(Outcome.DELETED),
              items.get(Outcome.DEAD_LETTERED),
              "-",
              items.get(Outcome.IN_FLIGHT)));
      s.append(
          String.format(
              "%-12s %9d %9s %11s %8s %14d %9s %10d%n",
              "impressions",
              r.impressions(),
              "-",
              "-",
              "-",
              r.impressionsDeadLettered(),
              r.impressionsTrained() < 0 ? "none yet" : Long.toString(r.impressionsTrained()),
              r.impressionsInFlight()));
      s.append(
          String.format(
              "items: %d keys, %d coded (latest item-codes record is codes), %d item-codes records%n",
              r.itemKeys(), r.itemsCodedKeys(), r.itemCodesRecords()));
      s.append(
          String.format(
              "codebooks: %d records, %d rejected%s; active version %s%n",
              r.codebookRecords(),
              r.codebookRecordsRejected(),
              r.rejectedCodebookVersions().isEmpty()
                  ? ""
                  : " (versions " + r.rejectedCodebookVersions() + ")",
              r.activeCodebookVersion() < 0 ? "none yet" : "v" + r.activeCodebookVersion()));
      s.append(
          String.format(
              "dead letters: %d records, by reason (distinct input records) %s%n",
              r.deadLetterRecords(), r.deadLettersByReason()));
      if (!r.codebookVersionsPublishedTwice().isEmpty()) {
        s.append("ERROR codebook versions published twice: ")
            .append(r.codebookVersionsPublishedTwice())
            .append('\n');
      }
      if (!r.modelVersionsPublishedTwice().isEmpty()) {
        s.append("ERROR model versions published twice: ")
            .append(r.modelVersionsPublishedTwice())
            .append('\n');
      }
      if (r.impressionsInFlight() < 0) {
        s.append("ERROR impressions counted twice: trained + dead-lettered exceeds the records\n");
      }
      r.unaccounted().stream()
          .limit(20)
          .forEach(
              u ->
                  s.append(
                      String.format(
                          "unaccounted %s-%d@%d key %s: %s%n",
                          u.topic(), u.partition(), u.offset(), u.key(), u.why())));
      if (r.unaccounted().size() > 20) {
        s.append("... and ").append(r.unaccounted().size() - 20).append(" more\n");
      }
      s.append(
          r.accountsForEverything()
              ? "Every record is accounted for.\n"
              : "NOT everything is accounted for.\n");
      return s.toString();
    }

    /** The report's JSON object. */
    public Report toJson() {
      Map<String, Long> outcomes = new LinkedHashMap<>();
      items.forEach((k, v) -> outcomes.put(k.name().toLowerCase(java.util.Locale.ROOT), v));
      return new Report(
          new Report.Items(
              items.values().stream().mapToLong(Long::longValue).sum(),
              outcomes,
              itemKeys,
              itemsCodedKeys),
          itemCodesRecords,
          new Report.Impressions(
              impressions, impressionsDeadLettered, impressionsTrained, impressionsInFlight),
          new Report.Codebooks(
              codebookRecords,
              codebookRecordsRejected,
              activeCodebookVersion,
              rejectedCodebookVersions,
              codebookVersionsPublishedTwice),
          modelVersionsPublishedTwice,
          deadLetterRecords,
          deadLettersByReason,
          accountsForEverything(),
          unaccounted.stream()
              .limit(100)
              .map(u -> u.topic() + "-" + u.partition() + "@" + u.offset() + " " + u.why())
              .toList());
    }
  }

  /**
   * The audit as JSON ({@code bin/moc audit --report}, and {@code audit} in the local report), in
   * snake_case as {@link io.moc.report.JsonReport} writes records.
   *
   * @param unaccounted the first 100 records not accounted for, as {@code topic-partition@offset
   *     why}
   */
  public record Report(
      Items items,
      long itemCodesRecords,
      Impressions impressions,
      Codebooks codebooks,
      Set<Long> modelVersionsPublishedTwice,
      long deadLetters,
      Map<String, Long> deadLettersByReason,
      boolean accountedFor,
      List<String> unaccounted) {

    /** Records of the items topic: in all, per outcome (coded, superseded, ...), and keys. */
    public record Items(
        long records,
        @com.fasterxml.jackson.annotation.JsonIgnore Map<String, Long> outcomes,
        long keys,
        long codedKeys) {
      @com.fasterxml.jackson.annotation.JsonAnyGetter
      public Map<String, Long> byOutcome() {
        return outcomes;
      }
    }

    /** Impressions: records, dead-lettered, trained (-1 before a snapshot), in flight. */
    public record Impressions(long records, long deadLettered, long trained, long inFlight) {}

    /** Codebook versions on the topic, and which were rejected or published twice. */
    public record Codebooks(
        long records,
        long rejected,
        long activeVersion,
        Set<Long> rejectedVersions,
        Set<Long> versionsPublishedTwice) {}
  }

  private record Coordinates(String topic, int partition, long offset) {}

  private final KafkaConnection kafka;
  private final Topics topics;

  public Audit(KafkaConnection kafka, Topics topics) {
    this.kafka = kafka;
    this.topics = topics;
  }

  /** Reads every topic to its current end and reconciles. */
  public Result run() {
    Map<Coordinates, String> deadLettered = new HashMap<>();
    Set<Long> rejectedVersions = new TreeSet<>();
    Map<String, Long> byReason = new TreeMap<>();
    long[] deadLetterRecords = {0};
    read(
        topics.deadLetters(),
        r -> {
          deadLetterRecords[0]++;
          DeadLetter d;
          try {
            d = AvroBytes.decode(DeadLetter.class, r.value());
          } catch (RuntimeException unreadable) {
            byReason.merge("<unreadable>", 1L, Long::sum);
            return;
          }
          String reason = d.getReason();
          Coordinates at = new Coordinates(d.getSourceTopic(), d.getPartition(), d.getOffset());
          if (deadLettered.putIfAbsent(at, reason) == null || d.getOffset() < 0) {
            byReason.merge(reason, 1L, Long::sum);
          }
          if (reason.equals(DeadLetterReason.INVALID_CODEBOOK.name())
              && d.getValue() != null
              && !Boolean.TRUE.equals(d.getTruncated())) {
            try {
              rejectedVersions.add(CodebookEntry.decode(bytes(d.getValue())).version);
            } catch (RuntimeException notEvenThat) {
              // Undecodable: rejected without a version to name.
            }
          }
        });

    // Per key: the latest event time codes were computed from, and whether it was deleted.
    Map<String, Long> codedUpTo = new HashMap<>();
    Map<String, Boolean> latestIsCodes = new HashMap<>();
    Set<String> deletedKeys = new HashSet<>();
    long[] codesRecords = {0};
    long[] activeVersion = {-1};
    read(
        topics.itemCodes(),
        r -> {
          String key = utf8(r.key());
          if (r.value() == null) {
            deletedKeys.add(key);
            latestIsCodes.put(key, false);
            return;
          }
          codesRecords[0]++;
          try {
            ItemCodes codes = AvroBytes.decode(ItemCodes.class, r.value());
            codedUpTo.merge(key, codes.getItemEventTime().toEpochMilli(), Math::max);
            latestIsCodes.put(key, true);
            activeVersion[0] = Math.max(activeVersion[0], codes.getCodebookVersion());
          } catch (RuntimeException unreadable) {
            // Not ours to judge here: the training job dead-letters unreadable codes.
          }
        });

    record ItemRecord(Coordinates at, String key, Long eventTime, boolean tombstone) {}
    List<ItemRecord> itemRecords = new ArrayList<>();
    read(
        topics.items(),
        r -> {
          Long eventTime = null;
          if (r.value() != null) {
            try {
              eventTime =
                  AvroBytes.decode(ItemEvent.class, r.value()).getEventTime().toEpochMilli();
            } catch (RuntimeException undecodable) {
              // Must have been dead-lettered; if not, it is unaccounted.
            }
          }
          itemRecords.add(
              new ItemRecord(
                  new Coordinates(r.topic(), r.partition(), r.offset()),
                  r.key() == null ? null : utf8(r.key()),
                  eventTime,
                  r.value() == null));
        });
    Map<Outcome, Long> items = new java.util.EnumMap<>(Outcome.class);
    for (Outcome o : Outcome.values()) {
      items.put(o, 0L);
    }
    // Newest first, so that a record can see whether a later one of its key is accounted for.
    Map<String, Boolean> laterAccounted = new HashMap<>();
    List<Unaccounted> unaccounted = new ArrayList<>();
    Set<String> keys = new HashSet<>();
    for (int i = itemRecords.size() - 1; i >= 0; i--) {
      ItemRecord r = itemRecords.get(i);
      if (r.key() != null) {
        keys.add(r.key());
      }
      Outcome outcome;
      if (deadLettered.containsKey(r.at())) {
        outcome = Outcome.DEAD_LETTERED;
      } else if (r.tombstone()) {
        outcome = deletedKeys.contains(r.key()) ? Outcome.DELETED : Outcome.IN_FLIGHT;
      } else if (r.eventTime() != null
          && codedUpTo.getOrDefault(r.key(), Long.MIN_VALUE) >= r.eventTime()) {
        outcome = Outcome.CODED;
      } else if (Boolean.TRUE.equals(laterAccounted.get(r.key()))) {
        outcome = Outcome.SUPERSEDED;
      } else {
        outcome = Outcome.IN_FLIGHT;
      }
      items.merge(outcome, 1L, Long::sum);
      if (r.key() != null) {
        laterAccounted.merge(r.key(), outcome != Outcome.IN_FLIGHT, Boolean::logicalOr);
      }
      if (outcome == Outcome.IN_FLIGHT) {
        unaccounted.add(
            new Unaccounted(
                r.at().topic(),
                r.at().partition(),
                r.at().offset(),
                r.key(),
                r.eventTime() == null && !r.tombstone()
                    ? "undecodable, and not dead-lettered"
                    : "not coded, deleted or dead-lettered yet"));
      }
    }
    java.util.Collections.reverse(unaccounted);

    long[] impressions = {0};
    read(topics.impressions(), r -> impressions[0]++);
    long impressionsDead =
        deadLettered.keySet().stream().filter(c -> c.topic().equals(topics.impressions())).count();

    long[] trained = {-1};
    long[] newestModel = {-1};
    Set<Long> modelsTwice = new TreeSet<>();
    Set<Long> modelsSeen = new HashSet<>();
    read(
        topics.ctrModels(),
        r -> {
          if (r.value() == null) {
            return;
          }
          try {
            ModelSnapshot s = AvroBytes.decode(ModelSnapshot.class, r.value());
            if (!modelsSeen.add(s.getVersion())) {
              modelsTwice.add(s.getVersion());
            }
            if (s.getVersion() > newestModel[0]) {
              newestModel[0] = s.getVersion();
              Double count = s.getMetrics().get(TrainCtrOperator.IMPRESSIONS_TRAINED_METRIC);
              trained[0] = count != null ? count.longValue() : s.getExamplesSeen();
            }
          } catch (RuntimeException unreadable) {
            // The scorer refuses it; it trained nothing the audit could count.
          }
        });

    long[] codebookRecords = {0};
    long[] codebookRejected = {0};
    Set<Long> versionsSeen = new HashSet<>();
    Set<Long> versionsTwice = new TreeSet<>();
    read(
        topics.codebooks(),
        r -> {
          codebookRecords[0]++;
          if (deadLettered.containsKey(new Coordinates(r.topic(), r.partition(), r.offset()))) {
            codebookRejected[0]++;
            return;
          }
          try {
            long version = CodebookEntry.decode(r.value()).version;
            if (!versionsSeen.add(version)) {
              versionsTwice.add(version);
            }
          } catch (RuntimeException e) {
            // Undecodable and not dead-lettered: the job has not read it yet.
          }
        });

    long codedKeys = latestIsCodes.values().stream().filter(b -> b).count();
    return new Result(
        items,
        keys.size(),
        codedKeys,
        codesRecords[0],
        impressions[0],
        impressionsDead,
        trained[0],
        impressions[0] - impressionsDead - Math.max(0, trained[0]),
        codebookRecords[0],
        codebookRejected[0],
        activeVersion[0],
        rejectedVersions,
        versionsTwice,
        modelsTwice,
        byReason,
        deadLetterRecords[0],
        unaccounted);
  }

  /**
   * Audits again until everything is accounted for or {@code waitMillis} have passed: records of a
   * running deployment are in flight for a while (embedding, the join, the next snapshot).
   */
  public Result runUntilAccounted(long waitMillis) throws InterruptedException {
    long deadline = System.currentTimeMillis() + waitMillis;
    Result result = run();
    while (!result.accountsForEverything() && System.currentTimeMillis() < deadline) {
      Thread.sleep(1000);
      result = run();
    }
    return result;
  }

  private void read(
      String topic, java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> each) {
    try (TopicTail tail = new TopicTail(kafka, topic)) {
      tail.readToEnd(each);
    }
  }

  private static byte[] bytes(java.nio.ByteBuffer buffer) {
    byte[] out = new byte[buffer.remaining()];
    buffer.duplicate().get(out);
    return out;
  }

  private static String utf8(byte[] b) {
    return b == null ? null : new String(b, StandardCharsets.UTF_8);
  }
}
