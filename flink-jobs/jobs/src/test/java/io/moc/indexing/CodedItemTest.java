package io.moc.indexing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.moc.avro.AvroBytes;
import io.moc.avro.CodebookVersion;
import io.moc.avro.ItemCodes;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

class CodedItemTest {

  @Test
  void shouldPublishCodesUnderTheItemIdAndADeletionAsATombstone() {
    CodedItem c = new CodedItem();
    c.itemId = "crème-7";
    c.codebookVersion = 3;
    c.codes = new int[] {5, 0, 255};
    c.quantizationError = 0.25f;
    c.itemEventTime = 1_000;
    c.codedTime = 1_017;

    ProducerRecord<byte[], byte[]> record =
        CodedItem.serializer("item-codes").serialize(c, null, null);
    assertEquals("item-codes", record.topic());
    assertArrayEquals("crème-7".getBytes(StandardCharsets.UTF_8), record.key());
    ItemCodes codes = AvroBytes.decode(ItemCodes.class, record.value());
    assertEquals("crème-7", codes.getItemId());
    assertEquals(3, codes.getCodebookVersion());
    assertEquals(List.of(5, 0, 255), codes.getCodes());
    assertEquals(0.25f, codes.getQuantizationError());
    assertEquals(1_000, codes.getItemEventTime().toEpochMilli());
    assertEquals(1_017, codes.getCodedTime().toEpochMilli());

    ProducerRecord<byte[], byte[]> deletion =
        CodedItem.serializer("item-codes").serialize(CodedItem.deletion("crème-7"), null, null);
    assertArrayEquals("crème-7".getBytes(StandardCharsets.UTF_8), deletion.key());
    assertNull(deletion.value());
  }

  @Test
  void shouldPublishACodebookVersionUnderItsNumber() {
    CodebookEntry entry = TestItems.codebookVersion(12, 7);
    ProducerRecord<byte[], byte[]> record =
        CodebookEntry.serializer("codebooks").serialize(entry, null, null);
    assertArrayEquals("12".getBytes(StandardCharsets.UTF_8), record.key());
    CodebookVersion version = AvroBytes.decode(CodebookVersion.class, record.value());
    assertEquals(12, version.getVersion());
    assertEquals(entry.sha256, version.getSha256());
  }
}
