package io.moc.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moc.avro.AvroBytes;
import io.moc.avro.DeadLetter;
import io.moc.cluster.FlinkRest;
import io.moc.common.DeadLetterRecord;
import io.moc.common.DeadLetters;
import io.moc.common.GuardInputFunction;
import io.moc.common.InputSettings;
import io.moc.common.RawRecord;
import io.moc.common.RawRecordDeserializer;
import io.moc.local.LocalFlinkCluster;
import io.moc.local.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.serialization.SimpleStringSchema;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The last resort: a record that kills the job in a way no validation foresaw (here an Error thrown
 * while it is processed) fails the job a bounded number of times, is then dead-lettered as
 * POISON_PILL with its coordinates and skipped, and every other record gets through.
 */
class PoisonPillITCase {

  private static final Duration TIMEOUT = Duration.ofSeconds(120);
  private static final int FAILURES = 2;

  @TempDir Path work;

  /** Dies on one value, as an unforeseen decoder or validation bug would. */
  static final class DiesOnPoison implements MapFunction<RawRecord, String> {
    @Override
    public String map(RawRecord r) {
      String value = new String(r.value, StandardCharsets.UTF_8);
      if (value.equals("poison")) {
        throw new OutOfMemoryError("simulated: a record no validation caught");
      }
      return value;
    }
  }

  @Test
  void shouldDeadLetterAndSkipARecordThatFailedTheJobTwiceInARow() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start();
        LocalFlinkCluster flink = LocalFlinkCluster.start(2, 0);
        KafkaProducer<byte[], byte[]> producer = kafka.producer()) {
      Topics.create(
          kafka.bootstrapServers(),
          List.of(
              new NewTopic("in", 1, (short) 1),
              new NewTopic("out", 1, (short) 1),
              new NewTopic("dead-letters", 1, (short) 1)));
      for (int i = 0; i < 20; i++) {
        String value = i == 10 ? "poison" : "v" + i;
        producer.send(new ProducerRecord<>("in", "k".getBytes(), value.getBytes()));
      }
      producer.flush();

      Configuration config = new Configuration();
      config.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofMillis(300));
      config.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, work.toUri().toString());
      config.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
      config.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 10);
      config.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(200));
      StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
      env.setParallelism(1);
      InputSettings input =
          new InputSettings(1024, 1024, 1024, 1024, FAILURES, work.resolve("pills").toUri() + "");
      SingleOutputStreamOperator<RawRecord> guarded =
          env.fromSource(
                  KafkaSource.<RawRecord>builder()
                      .setBootstrapServers(kafka.bootstrapServers())
                      .setTopics("in")
                      .setGroupId("poison-it")
                      .setStartingOffsets(OffsetsInitializer.earliest())
                      .setDeserializer(new RawRecordDeserializer())
                      .build(),
                  WatermarkStrategy.noWatermarks(),
                  "in")
              .process(
                  new GuardInputFunction(
                      input.items(),
                      io.moc.kafka.KafkaConnection.plaintext(kafka.bootstrapServers())))
              .name("Guard");
      guarded
          .map(new DiesOnPoison())
          .name("Dies on poison")
          .sinkTo(
              KafkaSink.<String>builder()
                  .setBootstrapServers(kafka.bootstrapServers())
                  .setRecordSerializer(
                      KafkaRecordSerializationSchema.builder()
                          .setTopic("out")
                          .setValueSerializationSchema(new SimpleStringSchema())
                          .build())
                  .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                  .build());
      guarded
          .getSideOutput(DeadLetters.TAG)
          .sinkTo(
              KafkaSink.<DeadLetterRecord>builder()
                  .setBootstrapServers(kafka.bootstrapServers())
                  .setRecordSerializer(DeadLetterRecord.serializer("dead-letters"))
                  .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                  .build());
      JobID job = flink.submit(env, "poison-pill-it");

      Set<String> expected =
          IntStream.range(0, 20)
              .filter(i -> i != 10)
              .mapToObj(i -> "v" + i)
              .collect(Collectors.toCollection(TreeSet::new));
      kafka.readUntil("out", TIMEOUT, r -> values(r).containsAll(expected));
      List<ConsumerRecord<byte[], byte[]>> letters =
          kafka.readUntil("dead-letters", TIMEOUT, r -> !r.isEmpty());
      DeadLetter letter = AvroBytes.decode(DeadLetter.class, letters.get(0).value());
      assertEquals("POISON_PILL", letter.getReason());
      assertEquals("in", letter.getSourceTopic());
      assertEquals(10, letter.getOffset());
      assertTrue(letter.getError().contains("simulated"), letter.getError());
      assertTrue(!values(kafka.readUntil("out", TIMEOUT, r -> true)).contains("poison"));

      assertEquals(JobStatus.RUNNING, flink.status(job));
      assertTrue(flink.everRestarted(job));
      // The dashboard's metrics are fetched every few seconds: poll until they show the restarts.
      FlinkRest rest = new FlinkRest(flink.dashboardUrl());
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (rest.restarts(job.toHexString()) < FAILURES && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      assertEquals(
          FAILURES,
          rest.restarts(job.toHexString()),
          "the job restarts once per failure, then skips the record");
      flink.cancel(job);
    }
  }

  private static Set<String> values(List<ConsumerRecord<byte[], byte[]>> records) {
    return records.stream()
        .map(r -> new String(r.value(), StandardCharsets.UTF_8))
        .collect(Collectors.toSet());
  }
}
