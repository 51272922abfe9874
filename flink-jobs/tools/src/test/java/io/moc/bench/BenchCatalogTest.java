package io.moc.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.moc.avro.AvroBytes;
import io.moc.avro.ItemCodes;
import io.moc.indexing.CodedItem;
import org.junit.jupiter.api.Test;

/** The benchmarks' shortcut to an item-codes record's version agrees with the full decode. */
class BenchCatalogTest {

  @Test
  void shouldReadTheCodebookVersionAsTheFullDecodeDoes() {
    for (long version : new long[] {1, 2, 127, 128, 1L << 40}) {
      for (String id : new String[] {"bf-0", "bf-999999", "an item with a long id ".repeat(9)}) {
        byte[] value =
            CodedItem.of(id, version, new int[] {3, 1, 4, 1, 5, 9, 2}, 0.5f, 1000L, 2000L)
                .toRecord("item-codes")
                .value();
        assertEquals(AvroBytes.decode(ItemCodes.class, value).getCodebookVersion(), version);
        assertEquals(version, BenchCatalog.codebookVersion(value), id + " at " + version);
      }
    }
  }
}
