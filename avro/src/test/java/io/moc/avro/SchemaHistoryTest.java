package io.moc.avro;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.Test;

class SchemaHistoryTest {

  @Test
  void shouldListAReleasedVersionOfEveryTopicSchema() {
    assertEquals(
        List.of(
            "CodebookVersion",
            "DeadLetter",
            "ImpressionEvent",
            "ItemCodes",
            "ItemEvent",
            "ModelSnapshot"),
        SchemaHistory.released().stream()
            .map(SchemaHistory.Released::name)
            .distinct()
            .sorted()
            .collect(Collectors.toList()));
  }

  @Test
  void shouldDecodeAMessageOfAnOlderProducerThatTheGeneratedDecoderRefuses() throws Exception {
    // An ItemEvent as a producer built before the embedding fields existed would write it.
    Schema older =
        SchemaBuilder.record("ItemEvent")
            .namespace("io.moc.avro")
            .fields()
            .requiredString("item_id")
            .optionalString("title")
            .name("event_time")
            .type(Schema.create(Schema.Type.LONG))
            .noDefault()
            .endRecord();
    GenericRecord record = new GenericData.Record(older);
    record.put("item_id", "B001");
    record.put("title", "Rose serum");
    record.put("event_time", 1_700_000_000_000L);
    ByteBuffer message =
        new BinaryMessageEncoder<GenericRecord>(GenericData.get(), older).encode(record);

    assertThrows(Exception.class, () -> ItemEvent.fromByteBuffer(message.duplicate()));
    ItemEvent decoded =
        SchemaHistory.decoder(ItemEvent.class, List.of(older)).decode(message.duplicate());

    assertEquals("B001", decoded.getItemId());
    assertEquals("Rose serum", decoded.getTitle());
    assertEquals(Instant.ofEpochMilli(1_700_000_000_000L), decoded.getEventTime());
    assertNull(decoded.getEmbedding(), "a field the writer did not know takes its default");
  }

  @Test
  void shouldDecodeCurrentMessages() throws Exception {
    ItemCodes codes =
        ItemCodes.newBuilder()
            .setItemId("i")
            .setCodebookVersion(3)
            .setCodes(List.of(1, 2))
            .setQuantizationError(0.5f)
            .setItemEventTime(Instant.EPOCH)
            .setCodedTime(Instant.EPOCH)
            .build();
    assertEquals(codes, SchemaHistory.decoder(ItemCodes.class).decode(codes.toByteBuffer()));
  }
}
