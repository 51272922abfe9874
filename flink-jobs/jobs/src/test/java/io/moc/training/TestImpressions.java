package io.moc.training;

import io.moc.avro.AvroBytes;
import io.moc.avro.ImpressionEvent;
import io.moc.avro.ItemCodes;
import io.moc.common.RawRecord;
import io.moc.ctr.model.CtrModelConfig;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Builders for the records the training functions see, shared by their tests. */
final class TestImpressions {

  private TestImpressions() {}

  static TrainingSettings settings(int maxPendingPerItem, long joinTimeoutMillis) {
    return new TrainingSettings(
        io.moc.kafka.KafkaConnection.plaintext("localhost:9092"),
        "impressions",
        "item-codes",
        "dead-letters",
        "ctr-models",
        "g",
        maxPendingPerItem,
        joinTimeoutMillis,
        model("file:///tmp/moc-test-models"),
        io.moc.common.InputSettings.defaults(),
        1,
        "codebooks");
  }

  /**
   * A small online model: publishes every second, batches of 8, 2 codes of K = 4, promotes a new
   * codebook version's model after 32 examples.
   */
  static OnlineModelSettings model(String store) {
    return new OnlineModelSettings(
        store,
        1000,
        1,
        0,
        1,
        16,
        20,
        8,
        200,
        1000,
        100,
        64,
        64,
        4,
        8,
        32,
        1,
        CtrModelConfig.Backbone.DEEPFM,
        CtrModelConfig.Fusion.GATE,
        1e-3f,
        false,
        100_000,
        1000,
        CtrModelConfig.ItemRepresentation.CODES);
  }

  static ImpressionEvent.Builder event(String impressionId, String userId, String itemId) {
    return ImpressionEvent.newBuilder()
        .setImpressionId(impressionId)
        .setUserId(userId)
        .setItemId(itemId)
        .setEventTime(Instant.ofEpochMilli(7000))
        .setClicked(true);
  }

  static RawRecord raw(String topic, String key, byte[] value, long offset) {
    return new RawRecord(
        topic,
        0,
        offset,
        5000 + offset,
        key == null ? null : key.getBytes(StandardCharsets.UTF_8),
        value);
  }

  static RawRecord raw(ImpressionEvent event, long offset) {
    return raw("impressions", event.getUserId(), AvroBytes.encode(event), offset);
  }

  static ItemCodes.Builder itemCodes(String itemId, long version, int... codes) {
    List<Integer> list = new ArrayList<>();
    for (int c : codes) {
      list.add(c);
    }
    return ItemCodes.newBuilder()
        .setItemId(itemId)
        .setCodebookVersion(version)
        .setCodes(list)
        .setQuantizationError(0.5f)
        .setItemEventTime(Instant.ofEpochMilli(1000))
        .setCodedTime(Instant.ofEpochMilli(2000));
  }

  static RawRecord raw(ItemCodes codes, long offset) {
    return raw("item-codes", codes.getItemId(), AvroBytes.encode(codes), offset);
  }

  /** A validated impression, its offset standing in for its source record. */
  static Impression impression(String impressionId, String itemId, long offset) {
    Impression i = new Impression();
    i.impressionId = impressionId;
    i.userId = "u-" + impressionId;
    i.itemId = itemId;
    i.eventTime = 10_000 + offset;
    i.clicked = offset % 2 == 0;
    i.source = raw("impressions", i.userId, new byte[] {(byte) offset}, offset);
    return i;
  }

  static ItemCodesUpdate codes(String itemId, long version, long itemEventTime, int... codes) {
    ItemCodesUpdate u = new ItemCodesUpdate();
    u.itemId = itemId;
    u.codebookVersion = version;
    u.codes = codes;
    u.itemEventTime = itemEventTime;
    return u;
  }
}
