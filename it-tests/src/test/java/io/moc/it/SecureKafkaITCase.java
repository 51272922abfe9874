package io.moc.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.moc.audit.Audit;
import io.moc.avro.AvroBytes;
import io.moc.common.CodebookOptions;
import io.moc.common.JobConfig;
import io.moc.common.KafkaAcls;
import io.moc.common.KafkaOptions;
import io.moc.indexing.IndexingJob;
import io.moc.indexing.IndexingOptions;
import io.moc.indexing.IndexingSettings;
import io.moc.kafka.KafkaConnection;
import io.moc.local.KafkaBrokerProcess;
import io.moc.local.LocalFlinkCluster;
import io.moc.local.Topics;
import io.moc.serving.ArtifactOpener;
import io.moc.serving.CtrScorer;
import io.moc.source.KafkaFeeder;
import io.moc.source.SourceEvent;
import io.moc.source.SyntheticCatalog;
import io.moc.training.TrainingJob;
import io.moc.training.TrainingOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Both jobs, the feeder, the audit and the scorer against a broker that speaks only SASL/SCRAM over
 * TLS and authorizes with ACLs ({@link KafkaAcls}: each job may write only its own outputs). The
 * client settings reach every Kafka client through {@code moc.kafka.properties.*}; a principal
 * without the right to a topic is refused by the broker.
 */
class SecureKafkaITCase {

  private static final Duration TIMEOUT = Duration.ofSeconds(180);
  private static final String STORE_PASSWORD = "store-secret";
  private static final List<String> USERS =
      List.of("admin", "indexer", "trainer", "feeder", "auditor");

  @TempDir Path dir;

  private static String password(String user) {
    return user + "-secret";
  }

  private static String jaas(String user) {
    return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
        + user
        + "\" password=\""
        + password(user)
        + "\";";
  }

  /** A self-signed certificate for localhost in a PKCS12 key store, and a trust store with it. */
  private void writeTlsStores() throws Exception {
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    run(
        keytool,
        "-genkeypair",
        "-alias",
        "broker",
        "-keyalg",
        "RSA",
        "-keysize",
        "2048",
        "-validity",
        "2",
        "-dname",
        "CN=localhost",
        "-ext",
        "SAN=dns:localhost,ip:127.0.0.1",
        "-keystore",
        dir.resolve("broker.p12").toString(),
        "-storetype",
        "PKCS12",
        "-storepass",
        STORE_PASSWORD,
        "-keypass",
        STORE_PASSWORD);
    run(
        keytool,
        "-exportcert",
        "-alias",
        "broker",
        "-rfc",
        "-keystore",
        dir.resolve("broker.p12").toString(),
        "-storepass",
        STORE_PASSWORD,
        "-file",
        dir.resolve("broker.pem").toString());
    run(
        keytool,
        "-importcert",
        "-noprompt",
        "-alias",
        "broker",
        "-file",
        dir.resolve("broker.pem").toString(),
        "-keystore",
        dir.resolve("trust.p12").toString(),
        "-storetype",
        "PKCS12",
        "-storepass",
        STORE_PASSWORD);
  }

  private static void run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, output);
  }

  /** What a client of {@code user} needs: SASL/SCRAM over TLS, trusting the broker's cert. */
  private Map<String, String> client(String user) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("security.protocol", "SASL_SSL");
    p.put("sasl.mechanism", "SCRAM-SHA-256");
    p.put("sasl.jaas.config", jaas(user));
    p.put("ssl.truststore.location", dir.resolve("trust.p12").toString());
    p.put("ssl.truststore.password", STORE_PASSWORD);
    p.put("ssl.truststore.type", "PKCS12");
    return p;
  }

  private KafkaBrokerProcess.Security security() {
    Map<String, String> server = new LinkedHashMap<>();
    server.put("ssl.keystore.location", dir.resolve("broker.p12").toString());
    server.put("ssl.keystore.password", STORE_PASSWORD);
    server.put("ssl.key.password", STORE_PASSWORD);
    server.put("ssl.keystore.type", "PKCS12");
    server.put("ssl.truststore.location", dir.resolve("trust.p12").toString());
    server.put("ssl.truststore.password", STORE_PASSWORD);
    server.put("ssl.truststore.type", "PKCS12");
    server.put("sasl.enabled.mechanisms", "SCRAM-SHA-256");
    server.put("sasl.mechanism.inter.broker.protocol", "SCRAM-SHA-256");
    server.put("listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config", jaas("admin"));
    server.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
    // ANONYMOUS is the broker itself on the PLAINTEXT controller listener, which no client is
    // told about; every client listener requires SCRAM.
    server.put("super.users", "User:admin;User:ANONYMOUS");
    server.put("allow.everyone.if.no.acl.found", "false");
    List<String> format = new ArrayList<>();
    for (String user : USERS) {
      format.add("--add-scram");
      format.add("SCRAM-SHA-256=[name=" + user + ",password=" + password(user) + "]");
    }
    return new KafkaBrokerProcess.Security("SASL_SSL", server, format, client("admin"));
  }

  private Configuration jobConfig(String bootstrap, String user) {
    Configuration config = new Configuration();
    config.set(KafkaOptions.BOOTSTRAP_SERVERS, bootstrap);
    client(user).forEach((k, v) -> config.setString(KafkaOptions.PROPERTIES.key() + "." + k, v));
    config.set(IndexingOptions.TRAIN_AFTER_ITEMS, 50);
    config.set(CodebookOptions.CODEBOOK_SIZE, 16);
    config.set(IndexingOptions.NUM_CODEBOOKS, 2);
    config.set(TrainingOptions.PUBLISH_INTERVAL, Duration.ofSeconds(2));
    config.set(TrainingOptions.BATCH_SIZE, 32);
    config.set(TrainingOptions.MODEL_STORE, dir.resolve("models").toUri().toString());
    config.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofSeconds(1));
    config.set(
        CheckpointingOptions.CHECKPOINTS_DIRECTORY,
        dir.resolve("checkpoints-" + user).toUri().toString());
    return JobConfig.withRuntimeDefaults(config);
  }

  /**
   * The broker's verdict on {@code user} writing one record to {@code topic}: the first {@link
   * AuthorizationException} in the failure's cause chain. The refusal arrives through the send's
   * future, or, once the producer has already learnt it (a refused idempotent producer id is fatal
   * to the producer), from {@code send} itself; which one is a race, and both are a refusal.
   */
  private Throwable refusal(String bootstrap, String user, String topic) throws Exception {
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(
            KafkaFeeder.producerProperties(new KafkaConnection(bootstrap, client(user))))) {
      Throwable failure;
      try {
        producer
            .send(new ProducerRecord<>(topic, "k".getBytes(), "v".getBytes()))
            .get(30, TimeUnit.SECONDS);
        return fail(user + " must not write to " + topic);
      } catch (ExecutionException | KafkaException e) {
        failure = e;
      }
      for (Throwable t = failure; t != null; t = t.getCause()) {
        if (t instanceof AuthorizationException) {
          return t;
        }
      }
      throw new AssertionError(
          user + " writing to " + topic + " failed, but not as refused", failure);
    }
  }

  @Test
  void shouldRunBothJobsOverSaslScramTlsWithEachPrincipalWritingOnlyItsOwnTopics()
      throws Exception {
    writeTlsStores();
    int port = Ports.freePair();
    try (KafkaBrokerProcess broker =
            KafkaBrokerProcess.start(
                dir.resolve("kafka"),
                port,
                port + 1,
                Duration.ofSeconds(90),
                false,
                List.of(),
                security());
        LocalFlinkCluster flink = LocalFlinkCluster.start(5, 0)) {
      String bootstrap = broker.bootstrapServers();
      Configuration indexingConfig = jobConfig(bootstrap, "indexer");
      Configuration trainingConfig = jobConfig(bootstrap, "trainer");
      KafkaConnection admin = new KafkaConnection(bootstrap, client("admin"));
      Topics.create(admin, Topics.definitions(indexingConfig, 2));
      IndexingSettings indexing = IndexingOptions.read(indexingConfig);
      try (Admin a = Admin.create(admin.clientProperties())) {
        a.createAcls(KafkaAcls.indexer("User:indexer", indexingConfig, indexing.groupId()))
            .all()
            .get();
        a.createAcls(
                KafkaAcls.trainer(
                    "User:trainer", trainingConfig, TrainingOptions.read(trainingConfig).groupId()))
            .all()
            .get();
        a.createAcls(KafkaAcls.producer("User:feeder", indexingConfig)).all().get();
        a.createAcls(KafkaAcls.reader("User:auditor", indexingConfig)).all().get();
      }

      StreamExecutionEnvironment indexingEnv =
          StreamExecutionEnvironment.getExecutionEnvironment(indexingConfig);
      indexingEnv.setParallelism(1);
      IndexingJob.buildWithKafka(indexingEnv, indexing, IndexingJob.textEmbedder(indexing));
      JobID indexingJob = flink.submit(indexingEnv, "secure-indexing");
      StreamExecutionEnvironment trainingEnv =
          StreamExecutionEnvironment.getExecutionEnvironment(trainingConfig);
      trainingEnv.setParallelism(1);
      TrainingJob.buildWithKafka(trainingEnv, TrainingOptions.read(trainingConfig));
      JobID trainingJob = flink.submit(trainingEnv, "secure-training");

      try (KafkaProducer<byte[], byte[]> feeder =
          new KafkaProducer<>(
              KafkaFeeder.producerProperties(new KafkaConnection(bootstrap, client("feeder"))))) {
        SyntheticCatalog catalog = SyntheticCatalog.builder().seed(5).users(40).build();
        int items = 0;
        while (items < 120) {
          SourceEvent event = catalog.next();
          if (event instanceof SourceEvent.Item i) {
            feeder.send(
                new ProducerRecord<>(
                    indexing.itemsTopic(),
                    i.item().getItemId().getBytes(),
                    AvroBytes.encode(i.item())));
            items++;
          } else if (event instanceof SourceEvent.Impression i) {
            feeder.send(
                new ProducerRecord<>(
                    trainingConfig.get(KafkaOptions.IMPRESSIONS_TOPIC),
                    i.impression().getUserId().getBytes(),
                    AvroBytes.encode(i.impression())));
          }
        }
        feeder.flush();
      }

      KafkaConnection auditor = new KafkaConnection(bootstrap, client("auditor"));
      Audit.Result audit =
          new Audit(auditor, Audit.Topics.of(indexingConfig)).runUntilAccounted(TIMEOUT.toMillis());
      assertTrue(audit.accountsForEverything(), audit.table());
      assertTrue(audit.items().get(Audit.Outcome.CODED) >= 110, audit.table());
      assertTrue(audit.impressionsTrained() > 0, audit.table());
      assertEquals(0, audit.deadLetterRecords(), audit.table());

      // The scorer, as a reader, loads the newest model and the codes.
      try (CtrScorer scorer =
          CtrScorer.latest(
              auditor,
              trainingConfig.get(KafkaOptions.CTR_MODELS_TOPIC),
              trainingConfig.get(KafkaOptions.ITEM_CODES_TOPIC),
              ArtifactOpener.local())) {
        assertTrue(scorer.itemsKnown() >= 110, "items known: " + scorer.itemsKnown());
      }

      // No principal writes where it has no business to.
      assertInstanceOf(
          TopicAuthorizationException.class,
          refusal(bootstrap, "trainer", indexing.codebooksTopic()));
      assertInstanceOf(
          TopicAuthorizationException.class,
          refusal(bootstrap, "indexer", trainingConfig.get(KafkaOptions.CTR_MODELS_TOPIC)));
      assertInstanceOf(
          TopicAuthorizationException.class,
          refusal(bootstrap, "feeder", indexing.itemCodesTopic()));
      // A reader may not even produce idempotently (no WRITE anywhere): refused at the cluster.
      assertInstanceOf(
          AuthorizationException.class, refusal(bootstrap, "auditor", indexing.itemsTopic()));

      assertTrue(!flink.everRestarted(indexingJob), "the indexing job must run without failing");
      assertTrue(!flink.everRestarted(trainingJob), "the training job must run without failing");
      flink.cancel(trainingJob);
      flink.cancel(indexingJob);
    }
  }
}
