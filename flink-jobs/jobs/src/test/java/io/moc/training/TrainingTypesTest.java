package io.moc.training;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.junit.jupiter.api.Test;

class TrainingTypesTest {

  @Test
  void everyTypeInFlightOrInStateShouldBeAFlinkPojo() {
    for (Class<?> type :
        List.of(
            Impression.class,
            ItemCodesUpdate.class,
            HeldCodes.class,
            PendingImpression.class,
            TrainingExample.class)) {
      assertInstanceOf(
          PojoTypeInfo.class, TypeInformation.of(type), type + " would be serialized with Kryo");
    }
  }
}
