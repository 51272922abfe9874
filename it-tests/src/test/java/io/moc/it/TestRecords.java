package io.moc.it;

import io.moc.avro.AvroBytes;
import io.moc.avro.ItemCodes;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Records the integration tests publish to the jobs' topics by hand. */
final class TestRecords {

  private TestRecords() {}

  /** An item's codes as the indexing job announces them. */
  static ItemCodes itemCodes(String itemId, long version, int... codes) {
    return ItemCodes.newBuilder()
        .setItemId(itemId)
        .setCodebookVersion(version)
        .setCodes(Arrays.stream(codes).boxed().toList())
        .setQuantizationError(0.1f)
        .setItemEventTime(Instant.ofEpochMilli(1))
        .setCodedTime(Instant.ofEpochMilli(2))
        .build();
  }

  /** {@code codes} on the item-codes topic under {@code key}. */
  static ProducerRecord<byte[], byte[]> itemCodesRecord(String key, ItemCodes codes) {
    return new ProducerRecord<>(
        "item-codes", key.getBytes(StandardCharsets.UTF_8), AvroBytes.encode(codes));
  }
}
