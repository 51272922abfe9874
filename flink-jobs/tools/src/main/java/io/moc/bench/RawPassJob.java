package io.moc.bench;

import io.moc.common.RawRecord;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The baseline of {@code bin/moc bench backfill}: what Kafka, Flink and RocksDB cost on their own
 * for the same records. Each record is keyed by its Kafka key, its value is kept in keyed state (as
 * the indexer keeps each item's embedding) and a record of the size of an item's codes is written
 * out; nothing is decoded.
 */
public final class RawPassJob {

  /** Bytes written per record besides the key: about an item's codes on {@code item-codes}. */
  static final int OUTPUT_BYTES = 48;

  private RawPassJob() {}

  public static void build(DataStream<RawRecord> records, Sink<RawRecord> sink) {
    records
        .keyBy(r -> new String(r.key, StandardCharsets.UTF_8))
        .process(new KeepLatestFunction())
        .uid("keep-latest")
        .name("Keep latest value")
        .sinkTo(sink)
        .uid("raw-out-sink")
        .name("raw-out");
  }

  /** Keeps each key's latest value in state and passes on a short record of it. */
  static final class KeepLatestFunction extends KeyedProcessFunction<String, RawRecord, RawRecord> {

    static final ValueStateDescriptor<byte[]> LATEST =
        new ValueStateDescriptor<>("latest", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);

    private transient ValueState<byte[]> latest;

    @Override
    public void open(OpenContext openContext) {
      latest = getRuntimeContext().getState(LATEST);
    }

    @Override
    public void processElement(RawRecord r, Context ctx, Collector<RawRecord> out)
        throws Exception {
      latest.update(r.value);
      byte[] value = r.value == null ? null : Arrays.copyOf(r.value, OUTPUT_BYTES);
      out.collect(new RawRecord(r.topic, r.partition, r.offset, r.timestamp, r.key, value));
    }
  }

  /** Writes a record's key and value as they are. */
  static KafkaRecordSerializationSchema<RawRecord> serializer(String topic) {
    return (r, context, timestamp) -> new ProducerRecord<>(topic, r.key, r.value);
  }
}
