package io.moc.local;

import io.moc.common.KafkaOptions;
import io.moc.indexing.IndexingJob;
import io.moc.indexing.IndexingOptions;
import io.moc.indexing.IndexingSettings;
import io.moc.training.TrainingJob;
import io.moc.training.TrainingOptions;
import io.moc.training.TrainingSettings;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * {@code bin/moc local}: a Kafka broker JVM, the topics, a Flink MiniCluster with the dashboard,
 * the indexing job and the CTR training job, and a feeder publishing the synthetic catalog or a
 * real dataset (items and impressions), with progress on the console and, optionally, a JSON
 * report.
 */
public final class LocalStack {

  /** What the user chose on the command line: where the stack runs, and its feed. */
  public record Options(
      Path workDir,
      int kafkaPort,
      int uiPort,
      int parallelism,
      Configuration jobConfig,
      Feed.Options feed,
      BrokerWatchdog.OnLoss onBrokerLoss) {}

  /** What runs while the feed does: the stack's parts, for a benchmark that injects faults. */
  public record Running(
      KafkaBrokerProcess broker,
      LocalFlinkCluster cluster,
      JobID indexingJob,
      JobID trainingJob,
      Configuration jobConfig) {}

  /** Started once both jobs run, closed when the feed has ended. */
  @FunctionalInterface
  public interface During {
    During NOTHING = running -> () -> {};

    AutoCloseable start(Running running) throws Exception;
  }

  private final Options options;
  private final PrintStream console;
  private final During during;

  public LocalStack(Options options, PrintStream console) {
    this(options, console, During.NOTHING);
  }

  public LocalStack(Options options, PrintStream console, During during) {
    this.options = options;
    this.console = console;
    this.during = during;
  }

  /**
   * Runs the stack until the feed ends or it is stopped.
   *
   * @return the exit code: 0, or 1 when the run failed (the broker lost with --on-broker-loss fail,
   *     or records Kafka refused)
   */
  public int run() throws Exception {
    Path workDir = options.workDir().toAbsolutePath();
    Files.createDirectories(workDir.resolve("kafka"));
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch finished = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              stop.set(true);
              try {
                finished.await(60, TimeUnit.SECONDS);
              } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
              }
            },
            "moc-local-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);

    console.println("Starting Kafka broker (KRaft) on localhost:" + options.kafkaPort() + " ...");
    try (LocalRuntime local =
        LocalRuntime.start(
            workDir, options.kafkaPort(), withModelStore(options.jobConfig(), workDir))) {
      KafkaBrokerProcess broker = local.broker();
      Configuration jobConfig = local.jobConfig();
      IndexingSettings settings = IndexingOptions.read(jobConfig);
      TrainingSettings training = TrainingOptions.read(jobConfig);

      // Indexing: one slot per parallel instance, and as many again for the embedding operator's
      // slot-sharing group; training: one per parallel instance; two to spare.
      try (LocalFlinkCluster cluster =
          local.startFlink(3 * options.parallelism() + 2, options.uiPort())) {
        String dashboard = cluster.dashboardUrl();
        StreamExecutionEnvironment env =
            StreamExecutionEnvironment.getExecutionEnvironment(jobConfig);
        env.setParallelism(options.parallelism());
        IndexingJob.buildWithKafka(env, settings, IndexingJob.textEmbedder(settings));
        JobID job = cluster.submit(env, "moc indexing");
        StreamExecutionEnvironment trainingEnv =
            StreamExecutionEnvironment.getExecutionEnvironment(jobConfig);
        trainingEnv.setParallelism(options.parallelism());
        TrainingJob.buildWithKafka(trainingEnv, training);
        JobID trainingJob = cluster.submit(trainingEnv, "moc training");
        console.println("Flink dashboard: " + dashboard + "  (job 'moc indexing', " + job + ")");
        console.println(
            "  and job 'moc training', "
                + trainingJob
                + ": models to "
                + training.model().modelStore());
        console.println(
            "Topics on "
                + broker.bootstrapServers()
                + ": "
                + settings.itemsTopic()
                + " -> "
                + settings.itemCodesTopic()
                + ", "
                + settings.codebooksTopic()
                + "; "
                + training.impressionsTopic()
                + " + "
                + training.itemCodesTopic()
                + " -> "
                + training.ctrModelsTopic()
                + "; "
                + settings.deadLettersTopic());
        String error;
        try (BrokerWatchdog watchdog =
                BrokerWatchdog.start(broker, options.onBrokerLoss(), console, stop);
            AutoCloseable alongside =
                during.start(new Running(broker, cluster, job, trainingJob, jobConfig))) {
          error =
              new Feed(options.feed(), console)
                  .run(KafkaOptions.connection(jobConfig), jobConfig, settings, watchdog, stop);
        }
        cluster.cancel(trainingJob);
        cluster.cancel(job);
        if (error != null) {
          console.println("The run failed: " + error);
          return 1;
        }
        return 0;
      }
    } finally {
      finished.countDown();
      if (!stop.get()) {
        Runtime.getRuntime().removeShutdownHook(hook);
      }
    }
  }

  /** The model store under the work directory, unless the configuration names one. */
  private static Configuration withModelStore(Configuration options, Path workDir) {
    Configuration config = new Configuration(options);
    if (!config.contains(TrainingOptions.MODEL_STORE)) {
      config.set(TrainingOptions.MODEL_STORE, workDir.resolve("models").toUri().toString());
    }
    return config;
  }
}
