package io.moc.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.moc.avro.ItemCodes;
import io.moc.avro.ModelSnapshot;
import io.moc.avro.SchemaHistory;
import io.moc.common.AvroRecordSerializer;
import io.moc.ctr.online.ModelSnapshotEntry;
import io.moc.indexing.CodedItem;
import io.moc.training.TrainingJob;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The topic contracts hold for a client in another language: {@code avro/python/moc_consumer.py}
 * (Debian's python3-confluent-kafka and python3-avro, nothing of this project but the released
 * {@code .avsc} files) reads {@code item-codes} and {@code ctr-models} from a real broker and
 * decodes exactly what {@link SchemaHistory}'s Java decoder decodes, also for a message written
 * with an older schema version.
 */
class PythonConsumerITCase {

  private static final Path CONSUMER = Path.of("..", "avro", "python", "moc_consumer.py");
  private static final ObjectMapper JSON =
      JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

  private static String python;
  @RegisterExtension static final EmbeddedKafka.PerClass KAFKA = new EmbeddedKafka.PerClass();

  @BeforeAll
  static void createTopics() throws Exception {
    python = pythonWithKafkaAndAvro();
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.get().bootstrapServers()))) {
      admin
          .createTopics(
              List.of(
                  new NewTopic("item-codes", 3, (short) 1),
                  new NewTopic("ctr-models", 1, (short) 1)))
          .all()
          .get();
    }
  }

  @Test
  void shouldDecodeItemCodesExactlyAsTheJavaDecoderDoes() throws Exception {
    AvroRecordSerializer<CodedItem, ItemCodes> serializer = CodedItem.serializer("item-codes");
    List<ProducerRecord<byte[], byte[]>> sent = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      CodedItem c = new CodedItem();
      // Ids beyond ASCII: the key and the string field are UTF-8 on both sides.
      c.itemId = (i % 5 == 0 ? "crème-brûlée-☃-" : "item-") + i;
      c.codebookVersion = 1 + i / 20;
      c.codes = new int[] {i, 255 - i, (i * 37) % 256, 0, 255, i % 7, 128};
      // Floats that are not round in decimal: both sides must read the same float32.
      c.quantizationError = (float) (Math.PI * i / 7.0);
      c.itemEventTime = 1_733_000_000_000L + i * 1_234L;
      c.codedTime = c.itemEventTime + 17;
      sent.add(serializer.serialize(c, null, null));
    }
    sent.add(serializer.serialize(CodedItem.deletion("item-3"), null, null));
    // A record no decoder can read: the Python reader reports it and goes on, as Java refuses it.
    sent.add(
        new ProducerRecord<>(
            "item-codes",
            "garbage".getBytes(StandardCharsets.UTF_8),
            "not avro".getBytes(StandardCharsets.UTF_8)));
    publish(sent);

    Map<String, JsonNode> python = pythonRead("item-codes");
    Map<String, JsonNode> java = javaRead("item-codes", ItemCodes.class, sent.size());
    assertSameRecords(java, python);
    assertEquals(sent.size(), python.size());
    JsonNode tombstone = find(python, "item-3", true);
    assertTrue(tombstone.get("value").isNull(), tombstone.toString());
    JsonNode garbage = find(python, "garbage", false);
    assertTrue(
        garbage.get("error").asText().contains("not an Avro single-object"), garbage.toString());
  }

  @Test
  void shouldDecodeModelSnapshotsOfTheCurrentAndAnOlderSchemaAsTheJavaDecoderDoes()
      throws Exception {
    AvroRecordSerializer<ModelSnapshotEntry, ModelSnapshot> serializer =
        TrainingJob.modelSnapshotSerializer("ctr-models");
    List<ProducerRecord<byte[], byte[]>> sent = new ArrayList<>();
    sent.add(snapshotWrittenWithReleasedVersion1(0));
    ModelSnapshotEntry full = snapshot(1, -1);
    ModelSnapshotEntry delta = snapshot(2, 1);
    sent.add(serializer.serialize(full, null, null));
    sent.add(serializer.serialize(delta, null, null));
    publish(sent);

    Map<String, JsonNode> python = pythonRead("ctr-models");
    Map<String, JsonNode> java = javaRead("ctr-models", ModelSnapshot.class, sent.size());
    assertSameRecords(java, python);
    assertEquals(3, python.size());

    JsonNode old = find(python, "0", true);
    assertEquals("ModelSnapshot.v1.avsc", old.get("writer").asText(), old.toString());
    // Fields the old writer did not have read as the current schema's defaults.
    assertEquals(-1, old.get("value").get("base_version").asLong(), old.toString());
    assertEquals("", old.get("value").get("model_sha256").asText(), old.toString());
    JsonNode d = find(python, "2", true).get("value");
    assertEquals(1, d.get("base_version").asLong(), d.toString());
    assertTrue(Double.isNaN(d.get("metrics").get("cold_start_auc").asDouble()), d.toString());
  }

  private static ModelSnapshotEntry snapshot(long version, long base) {
    ModelSnapshotEntry e = new ModelSnapshotEntry();
    e.version = version;
    e.codebookVersion = 2;
    e.createdTime = 1_733_000_123_456L + version;
    e.examplesSeen = 123_456_789_012L + version;
    e.artifactUri = "file:///models/model-" + version + (base >= 0 ? ".delta" : ".bin");
    e.sha256 = "ab".repeat(32);
    e.baseVersion = base;
    if (base >= 0) {
      e.baseSha256 = "cd".repeat(32);
      e.modelSha256 = "ef".repeat(32);
    }
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("prequential_auc", 0.7351234567891234);
    metrics.put("logloss", 1.0 / 3.0);
    // Undefined until a cold item has been seen.
    metrics.put("cold_start_auc", Double.NaN);
    metrics.put("impressions_trained", 1e12 + version);
    e.setMetrics(metrics);
    return e;
  }

  /** A snapshot as a producer that has not upgraded past ModelSnapshot v1 writes it. */
  private static ProducerRecord<byte[], byte[]> snapshotWrittenWithReleasedVersion1(long version)
      throws IOException {
    Schema v1 =
        SchemaHistory.released("ModelSnapshot").stream()
            .filter(r -> r.version() == 1)
            .findFirst()
            .orElseThrow()
            .schema();
    GenericRecord r = new GenericData.Record(v1);
    r.put("version", version);
    r.put("codebook_version", 1L);
    r.put("created_time", 1_700_000_000_000L);
    r.put("examples_seen", 42L);
    r.put("metrics", Map.of("prequential_auc", 0.5));
    r.put("artifact_uri", "file:///models/model-0.bin");
    r.put("sha256", "01".repeat(32));
    ByteBuffer message = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(r);
    byte[] bytes = new byte[message.remaining()];
    message.get(bytes);
    return new ProducerRecord<>(
        "ctr-models", Long.toString(version).getBytes(StandardCharsets.UTF_8), bytes);
  }

  private static void publish(List<ProducerRecord<byte[], byte[]>> records) throws Exception {
    try (KafkaProducer<byte[], byte[]> producer = KAFKA.get().producer()) {
      for (ProducerRecord<byte[], byte[]> r : records) {
        producer.send(r).get();
      }
    }
  }

  /** What the Python consumer prints for {@code topic}, by partition and offset. */
  private static Map<String, JsonNode> pythonRead(String topic) throws Exception {
    Path out = Files.createTempFile("moc-python-" + topic, ".jsonl");
    Path err = Files.createTempFile("moc-python-" + topic, ".err");
    Process p =
        new ProcessBuilder(
                python,
                CONSUMER.toString(),
                "--bootstrap-servers",
                KAFKA.get().bootstrapServers(),
                "--topic",
                topic,
                "--timeout",
                "60")
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("the Python consumer did not finish: " + Files.readString(err));
    }
    assertEquals(0, p.exitValue(), Files.readString(err));
    Map<String, JsonNode> records = new LinkedHashMap<>();
    for (String line : Files.readAllLines(out, StandardCharsets.UTF_8)) {
      JsonNode n = JSON.readTree(line);
      records.put(coordinates(n.get("partition").asInt(), n.get("offset").asLong()), n);
    }
    return records;
  }

  /** The same records read with the Java client and decoded by SchemaHistory's decoder. */
  private static <T extends SpecificRecordBase> Map<String, JsonNode> javaRead(
      String topic, Class<T> type, int count) {
    List<ConsumerRecord<byte[], byte[]>> records =
        KAFKA.get().readUntil(topic, Duration.ofSeconds(60), r -> r.size() >= count);
    Map<String, JsonNode> decoded = new LinkedHashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : records) {
      ObjectNode n = JsonNodeFactory.instance.objectNode();
      n.put("key", new String(r.key(), StandardCharsets.UTF_8));
      if (r.value() == null) {
        n.putNull("writer");
        n.putNull("value");
      } else {
        try {
          n.set("value", json(SchemaHistory.decoder(type).decode(r.value())));
          n.put("writer", writerFile(type, r.value()));
        } catch (Exception e) {
          n.putNull("writer");
          n.putNull("value");
          n.put("error", true);
        }
      }
      decoded.put(coordinates(r.partition(), r.offset()), n);
    }
    return decoded;
  }

  /** The released schema file whose fingerprint the message carries. */
  private static String writerFile(Class<? extends SpecificRecordBase> type, byte[] message) {
    Schema writer = SchemaHistory.writerSchema(type, message);
    assertNotNull(writer);
    long fingerprint = SchemaNormalization.parsingFingerprint64(writer);
    return SchemaHistory.released(writer.getName()).stream()
        .filter(r -> SchemaNormalization.parsingFingerprint64(r.schema()) == fingerprint)
        .map(r -> r.name() + ".v" + r.version() + ".avsc")
        .findFirst()
        .orElseThrow();
  }

  /** A decoded record as the Python consumer prints one: timestamps as epoch milliseconds. */
  private static JsonNode json(Object value) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    if (value instanceof GenericRecord r) {
      ObjectNode n = f.objectNode();
      for (Schema.Field field : r.getSchema().getFields()) {
        n.set(field.name(), json(r.get(field.pos())));
      }
      return n;
    }
    if (value instanceof Collection<?> c) {
      ArrayNode a = f.arrayNode();
      c.forEach(v -> a.add(json(v)));
      return a;
    }
    if (value instanceof Map<?, ?> m) {
      ObjectNode n = f.objectNode();
      m.forEach((k, v) -> n.set(k.toString(), json(v)));
      return n;
    }
    if (value instanceof Instant t) {
      return f.numberNode(t.toEpochMilli());
    }
    if (value instanceof CharSequence s) {
      return f.textNode(s.toString());
    }
    if (value instanceof Float x) {
      return f.numberNode(x.doubleValue());
    }
    if (value instanceof Double x) {
      return f.numberNode(x);
    }
    if (value instanceof Integer x) {
      return f.numberNode(x.longValue());
    }
    if (value instanceof Long x) {
      return f.numberNode(x);
    }
    throw new AssertionError("no JSON form for " + value.getClass());
  }

  private static void assertSameRecords(Map<String, JsonNode> java, Map<String, JsonNode> python) {
    assertEquals(java.keySet(), python.keySet(), "records by partition/offset");
    for (Map.Entry<String, JsonNode> e : java.entrySet()) {
      JsonNode j = e.getValue();
      JsonNode p = python.get(e.getKey());
      String where = e.getKey() + ": java " + j + "\npython " + p;
      assertEquals(j.get("key").asText(), p.get("key").asText(), where);
      assertEquals(j.get("writer"), p.get("writer"), where);
      assertEquals(j.has("error"), p.has("error"), where);
      // Numbers by value: Python prints 5 where Jackson built a long node, 0.1 where a double.
      assertTrue(j.get("value").equals(PythonConsumerITCase::compareValues, p.get("value")), where);
    }
  }

  private static int compareValues(JsonNode a, JsonNode b) {
    if (a.isNumber() && b.isNumber()) {
      if (a.isIntegralNumber() && b.isIntegralNumber()) {
        return a.bigIntegerValue().compareTo(b.bigIntegerValue());
      }
      return Double.compare(a.doubleValue(), b.doubleValue());
    }
    return a.equals(b) ? 0 : 1;
  }

  private static JsonNode find(Map<String, JsonNode> records, String key, boolean decoded) {
    Optional<JsonNode> hit =
        records.values().stream()
            .filter(n -> n.get("key").asText().equals(key))
            .filter(n -> decoded != n.has("error"))
            .reduce((first, second) -> second);
    return hit.orElseThrow(() -> new AssertionError("no record with key " + key));
  }

  private static String coordinates(int partition, long offset) {
    return partition + "/" + offset;
  }

  /**
   * A Python 3 that imports confluent_kafka and avro. CI installs them ({@code .ci/run}); elsewhere
   * the test is skipped with what to install.
   */
  private static String pythonWithKafkaAndAvro() throws Exception {
    for (String candidate : List.of("/usr/bin/python3", "python3")) {
      try {
        Process p =
            new ProcessBuilder(candidate, "-c", "import confluent_kafka, avro")
                .redirectErrorStream(true)
                .start();
        if (p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0) {
          return candidate;
        }
      } catch (IOException notThere) {
        // try the next
      }
    }
    String missing =
        "no python3 with confluent_kafka and avro: apt-get install python3-confluent-kafka"
            + " python3-avro";
    if (System.getenv("CI") != null) {
      fail(missing + " (.ci/run installs them; CI must run this test)");
    }
    Assumptions.abort(missing);
    return null;
  }
}
