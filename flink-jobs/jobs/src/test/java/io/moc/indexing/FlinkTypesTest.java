package io.moc.indexing;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.moc.common.DeadLetterRecord;
import io.moc.common.RawRecord;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.junit.jupiter.api.Test;

class FlinkTypesTest {

  @Test
  void everyTypeInFlightOrInStateShouldBeAFlinkPojo() {
    for (Class<?> type :
        List.of(
            RawRecord.class,
            ItemUpdate.class,
            EmbeddedItem.class,
            HeldItem.class,
            CodedItem.class,
            CodebookEntry.class,
            DeadLetterRecord.class)) {
      assertInstanceOf(
          PojoTypeInfo.class, TypeInformation.of(type), type + " would be serialized with Kryo");
    }
  }
}
