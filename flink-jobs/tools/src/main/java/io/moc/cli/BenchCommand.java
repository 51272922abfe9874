package io.moc.cli;

import io.moc.bench.AssignmentBenchmark;
import io.moc.bench.BackfillBenchmark;
import io.moc.bench.BenchCatalog;
import io.moc.bench.BenchStack;
import io.moc.bench.CtrBenchmark;
import io.moc.bench.IndexingBenchmark;
import io.moc.bench.RecodingBenchmark;
import io.moc.bench.ReplicasBenchmark;
import io.moc.bench.SoakBenchmark;
import io.moc.bench.StallsBenchmark;
import io.moc.bench.TrainingBenchmark;
import io.moc.codebook.methods.CodebookMethods;
import io.moc.report.JsonReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code bin/moc bench <what>}: the benchmarks, each against a baseline of the same run. */
@Command(
    name = "bench",
    description = "Benchmarks, each next to a baseline measured in the same run.",
    subcommands = {
      BenchCommand.Assignment.class,
      BenchCommand.Backfill.class,
      BenchCommand.Recoding.class,
      BenchCommand.Ctr.class,
      BenchCommand.Indexing.class,
      BenchCommand.Soak.class,
      BenchCommand.Stalls.class,
      BenchCommand.Training.class,
      BenchCommand.Replicas.class
    })
final class BenchCommand extends MocCommand.Group {

  /** {@code --report FILE}, where a benchmark's figures go as JSON. */
  static final class Report {
    @Option(names = "--report", paramLabel = "FILE", description = "Write the figures as JSON.")
    Path file;

    void write(MocCommand command, Object figures) throws Exception {
      if (file != null) {
        command.out().println("Report written to " + JsonReport.write(file, figures));
      }
    }
  }

  @Command(
      name = "assignment",
      description = "Benchmark code assignment per method on one core (plain Java, D=384).")
  static final class Assignment extends MocCommand {
    @Mixin Report report;

    @Option(names = "--codebooks", paramLabel = "N", defaultValue = "7")
    int codebooks;

    @Option(names = "--size", paramLabel = "K", defaultValue = "256")
    int size;

    @Option(names = "--items", paramLabel = "N", defaultValue = "50000")
    int items;

    @Option(
        names = "--methods",
        paramLabel = "a,b",
        split = ",",
        description = "Default: all (${COMPLETION-CANDIDATES}).",
        completionCandidates = Methods.class)
    List<String> methods;

    @Override
    public Integer call() throws Exception {
      List<String> chosen = methods != null ? methods : CodebookMethods.ALL;
      report.write(this, new AssignmentBenchmark(out()).run(chosen, codebooks, size, 384, items));
      return 0;
    }
  }

  /** The codebook methods, for help texts. */
  static final class Methods implements Iterable<String> {
    @Override
    public java.util.Iterator<String> iterator() {
      return CodebookMethods.ALL.iterator();
    }
  }

  /** {@code --items} and {@code --parallelism} of the benchmarks over a whole catalog. */
  static final class Catalog {
    @Option(
        names = "--items",
        paramLabel = "N",
        defaultValue = "1000000",
        description = "Catalog size (default ${DEFAULT-VALUE}).")
    int items;

    @Option(
        names = "--parallelism",
        paramLabel = "N",
        defaultValue = "1",
        description = "Parallelism of the jobs (default ${DEFAULT-VALUE}).")
    int parallelism;
  }

  @Command(
      name = "recoding",
      description = {
        "Backfill a catalog with precomputed embeddings under codebook version 1, then publish"
            + " version 2: items/s of the re-coding pass against plain assignment of the same"
            + " version on one core, how long item-codes holds both versions, the checkpoints"
            + " during the pass against those of the idle job, state per item.",
        "Give the JVM room for RocksDB: JAVA_OPTS=-Xmx3g (the default)."
      })
  static final class Recoding extends MocCommand {
    @Mixin Report report;
    @Mixin JobOptions.Overrides jobOptions;
    @Mixin Catalog catalog;

    @Option(names = "--kafka-port", paramLabel = "N", defaultValue = "9292")
    int kafkaPort;

    @Override
    public Integer call() throws Exception {
      report.write(
          this,
          new RecodingBenchmark(
                  new BenchCatalog.Options(
                      home().resolve(".moc/bench-recoding"),
                      kafkaPort,
                      catalog.items,
                      catalog.parallelism,
                      jobOptions.configuration()),
                  out())
              .run());
      return 0;
    }
  }

  @Command(
      name = "ctr",
      description = {
        "Benchmark CTR model training and scoring per backbone against the same network under"
            + " DJL's own Trainer and Predictor, with heap and RSS peaks (MoC codes M=7 K=256"
            + " derived from item indices, GATE fusion, D=16, MLP 64-32; batches from the"
            + " dataset's training split).",
        "Run PyTorch on one thread for comparable figures on a shared machine:",
        "  OMP_NUM_THREADS=1 JAVA_OPTS=\"-Xmx3g -Dai.djl.pytorch.num_threads=1\" bin/moc bench ctr"
      })
  static final class Ctr extends MocCommand {
    @Mixin Report report;

    @Option(
        names = "--data",
        paramLabel = "DIR",
        description = "Dataset (default ../shared/data/amazon-beauty).")
    Path data;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "1024")
    int batch;

    @Option(
        names = "--steps",
        paramLabel = "N",
        defaultValue = "200",
        description = "Timed mini-batches per side and repeat (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(
        names = "--repeats",
        paramLabel = "N",
        defaultValue = "4",
        description =
            "Timed runs per side, alternating which goes first (default ${DEFAULT-VALUE}).")
    int repeats;

    @Mixin EvaluateCommand.Backbones backbones;

    @Override
    public Integer call() throws Exception {
      Path dataset =
          data != null ? data : home().resolve("../shared/data/amazon-beauty").normalize();
      if (!Files.isDirectory(dataset)) {
        throw new IllegalArgumentException("--data " + dataset + " is not a directory");
      }
      report.write(
          this,
          new CtrBenchmark(out())
              .run(new CtrBenchmark.Options(dataset, batch, steps, repeats, backbones.chosen, 7)));
      return 0;
    }
  }

  @Command(
      name = "indexing",
      description =
          "Benchmark the indexing job through a real broker and MiniCluster: latency at a steady"
              + " rate, throughput with text embedding next to the raw embedder, and with"
              + " precomputed embeddings.")
  static final class Indexing extends MocCommand {
    @Mixin Report report;
    @Mixin JobOptions.Overrides jobOptions;

    @Option(
        names = "--rate",
        paramLabel = "N",
        defaultValue = "100",
        description = "Steady item rate for the latency phase (default ${DEFAULT-VALUE}).")
    double rate;

    @Option(
        names = "--steady",
        paramLabel = "D",
        defaultValue = "60s",
        description = "Length of the latency phase (default ${DEFAULT-VALUE}).")
    Duration steady;

    @Option(
        names = "--warmup",
        paramLabel = "D",
        defaultValue = "60s",
        description =
            "The same rate before the latency phase, not measured: on two cores the JIT compiles"
                + " for a minute or two after the job starts (default ${DEFAULT-VALUE}).")
    Duration warmup;

    @Option(
        names = "--embed-items",
        paramLabel = "N",
        defaultValue = "3000",
        description = "Items of the text-embedding throughput phase (default ${DEFAULT-VALUE}).")
    int embedItems;

    @Option(
        names = "--precomputed-items",
        paramLabel = "N",
        defaultValue = "20000",
        description = "Items of the precomputed-embedding phase (default ${DEFAULT-VALUE}).")
    int precomputedItems;

    @Option(names = "--kafka-port", paramLabel = "N", defaultValue = "9192")
    int kafkaPort;

    @Option(names = "--parallelism", paramLabel = "N", defaultValue = "1")
    int parallelism;

    @Override
    public Integer call() throws Exception {
      new IndexingBenchmark(
              new IndexingBenchmark.Options(
                  home().resolve(".moc/bench"),
                  report.file,
                  kafkaPort,
                  rate,
                  warmup,
                  steady,
                  embedItems,
                  precomputedItems,
                  parallelism,
                  jobOptions.configuration()),
              out())
          .run();
      return 0;
    }
  }

  @Command(
      name = "backfill",
      description = {
        "Push a whole catalog with precomputed embeddings (published before the job starts)"
            + " through the indexing job, next to a raw Kafka -> Flink (RocksDB) -> Kafka pass over"
            + " the same records before and after it: items/s of each and their ratio, state per"
            + " item, checkpoints during the pass, heap and RSS peaks.",
        "Give the JVM room for the broker's page cache and RocksDB: JAVA_OPTS=-Xmx3g (the default)."
      })
  static final class Backfill extends MocCommand {
    @Mixin Report report;
    @Mixin JobOptions.Overrides jobOptions;

    @Mixin Catalog catalog;

    @Option(names = "--kafka-port", paramLabel = "N", defaultValue = "9392")
    int kafkaPort;

    @Override
    public Integer call() throws Exception {
      report.write(
          this,
          new BackfillBenchmark(
                  new BenchCatalog.Options(
                      home().resolve(".moc/bench-backfill"),
                      kafkaPort,
                      catalog.items,
                      catalog.parallelism,
                      jobOptions.configuration()),
                  out())
              .run());
      return 0;
    }
  }

  @Command(
      name = "soak",
      description = {
        "First a --probe offering --probe-items-per-second and five impressions per item measures"
            + " both jobs' sustained peak; then both jobs run for --duration at half of it (or at"
            + " --items-per-second and --impressions-per-second), with --bad-fraction of bad"
            + " records mixed in, a kill -9 of the broker at a third and a TaskManager failure at"
            + " two thirds: heap, checkpoint durations and restarts over time, and the audit."
      })
  static final class Soak extends MocCommand {
    @Mixin JobOptions.Overrides jobOptions;

    @Option(names = "--duration", paramLabel = "D", defaultValue = "30min")
    Duration duration;

    @Option(
        names = "--items-per-second",
        paramLabel = "N",
        description = "Default: half the probe's sustained peak.")
    double items = Double.NaN;

    @Option(
        names = "--impressions-per-second",
        paramLabel = "N",
        description = "Default: half the probe's sustained peak.")
    double impressions = Double.NaN;

    @Option(names = "--probe", paramLabel = "D", defaultValue = "3min")
    Duration probe;

    @Option(names = "--probe-items-per-second", paramLabel = "N", defaultValue = "300")
    double probeItems;

    @Option(names = "--bad-fraction", paramLabel = "P", defaultValue = "0.01")
    double bad;

    @Option(names = "--report", paramLabel = "FILE", defaultValue = "reports/bench-soak.json")
    Path report;

    @Option(names = "--work-dir", paramLabel = "DIR", description = "Default .moc/soak.")
    Path workDir;

    @Option(names = "--kafka-port", paramLabel = "N", defaultValue = "9292")
    int kafkaPort;

    @Option(names = "--ui-port", paramLabel = "N", defaultValue = "8081")
    int uiPort;

    @Override
    public Integer call() throws Exception {
      return new SoakBenchmark(
              new SoakBenchmark.Options(
                  duration,
                  items,
                  impressions,
                  probe,
                  probeItems,
                  bad,
                  report,
                  new BenchStack(
                      workDir != null ? workDir : home().resolve(".moc/soak"),
                      kafkaPort,
                      uiPort,
                      JobOptions.read(null, jobOptions.values))),
              out())
          .run();
    }
  }

  @Command(
      name = "stalls",
      description = {
        "What the stream waits for while models train: the local stack twice for --duration,"
            + " a moc codebook trained every --codebook-every and a CTR retraining pass every"
            + " --retrain-every, first all on the task thread, then as configured (worker"
            + " thread, chunked passes): codes latency and checkpoint durations, before and after."
      })
  static final class Stalls extends MocCommand {
    @Mixin JobOptions.Overrides jobOptions;

    @Option(names = "--duration", paramLabel = "D", defaultValue = "3min")
    Duration duration;

    @Option(names = "--items-per-second", paramLabel = "N", defaultValue = "50")
    double items;

    @Option(names = "--impressions-per-second", paramLabel = "N", defaultValue = "200")
    double impressions;

    @Option(names = "--codebook-every", paramLabel = "D", defaultValue = "20s")
    Duration codebookEvery;

    @Option(names = "--retrain-every", paramLabel = "D", defaultValue = "10s")
    Duration retrainEvery;

    @Option(names = "--report", paramLabel = "FILE", defaultValue = "reports/bench-stalls.json")
    Path report;

    @Option(names = "--work-dir", paramLabel = "DIR", description = "Default .moc/stalls.")
    Path workDir;

    @Option(names = "--kafka-port", paramLabel = "N", defaultValue = "9392")
    int kafkaPort;

    @Option(names = "--ui-port", paramLabel = "N", defaultValue = "8081")
    int uiPort;

    @Override
    public Integer call() throws Exception {
      new StallsBenchmark(
              new StallsBenchmark.Options(
                  duration,
                  items,
                  impressions,
                  codebookEvery,
                  retrainEvery,
                  report,
                  new BenchStack(
                      workDir != null ? workDir : home().resolve(".moc/stalls"),
                      kafkaPort,
                      uiPort,
                      JobOptions.read(null, jobOptions.values))),
              out())
          .run();
      return 0;
    }
  }

  @Command(
      name = "training",
      description = {
        "Benchmark the CTR training job through a real broker and MiniCluster: examples/s of the"
            + " online trainer next to the same model's plain DJL loop, and model freshness"
            + " (impression to committed snapshot) at a steady rate. 2000 items with random codes"
            + " M=4 K=256 unless -D changes them; a user clicks with probability 0.6 when the"
            + " item's first code is below K/2, else 0.05.",
        "Run PyTorch on one thread for comparable figures on a shared machine:",
        "  OMP_NUM_THREADS=1 JAVA_OPTS=\"-Xmx3g -Dai.djl.pytorch.num_threads=1"
            + " -Dai.djl.pytorch.num_interop_threads=1\" bin/moc bench training"
      })
  static final class Training extends MocCommand {
    @Mixin Report report;
    @Mixin JobOptions.Overrides jobOptions;

    @Option(
        names = "--examples",
        paramLabel = "N",
        defaultValue = "200000",
        description =
            "Timed backlog of the throughput phase (default ${DEFAULT-VALUE}), after 20000"
                + " untimed warm-up examples; the raw loop trains on the same.")
    int examples;

    @Option(names = "--items", paramLabel = "N", defaultValue = "2000")
    int items;

    @Option(
        names = "--rate",
        paramLabel = "N",
        defaultValue = "500",
        description = "Steady impression rate of the freshness phase (default ${DEFAULT-VALUE}).")
    double rate;

    @Option(
        names = "--steady",
        paramLabel = "D",
        defaultValue = "60s",
        description =
            "Sampled stretch of the freshness phase (default ${DEFAULT-VALUE}), after 15s.")
    Duration steady;

    @Option(names = "--kafka-port", paramLabel = "N", defaultValue = "9392")
    int kafkaPort;

    @Override
    public Integer call() throws Exception {
      new TrainingBenchmark(
              new TrainingBenchmark.Options(
                  home().resolve(".moc/bench-training"),
                  report.file,
                  kafkaPort,
                  items,
                  examples,
                  20_000,
                  Duration.ofSeconds(2),
                  rate,
                  Duration.ofSeconds(15),
                  steady,
                  jobOptions.configuration()),
              out())
          .run();
      return 0;
    }
  }

  @Command(
      name = "replicas",
      description = {
        "Benchmark the data-parallel CTR trainer: the training job with one trainer subtask and"
            + " with --replicas (moc.training.trainer-parallelism) on the same backlog, through a"
            + " real broker and MiniCluster, alternating --runs times: examples/s of each, their"
            + " ratio, and the prequential AUC each ends the backlog at (the task of bench"
            + " training).",
        "Run PyTorch on one thread per trainer for figures that say what a slot gives:",
        "  OMP_NUM_THREADS=1 JAVA_OPTS=\"-Xmx3g -Dai.djl.pytorch.num_threads=1"
            + " -Dai.djl.pytorch.num_interop_threads=1\" bin/moc bench replicas"
      })
  static final class Replicas extends MocCommand {
    @Mixin Report report;
    @Mixin JobOptions.Overrides jobOptions;

    @Option(
        names = "--examples",
        paramLabel = "N",
        defaultValue = "100000",
        description =
            "Timed backlog (default ${DEFAULT-VALUE}), after 20000 untimed warm-up examples.")
    int examples;

    @Option(names = "--items", paramLabel = "N", defaultValue = "2000")
    int items;

    @Option(
        names = "--replicas",
        paramLabel = "N",
        defaultValue = "2",
        description = "Trainer subtasks to compare with one (default ${DEFAULT-VALUE}).")
    int replicas;

    @Option(
        names = "--runs",
        paramLabel = "N",
        defaultValue = "2",
        description = "Runs of each, alternating (default ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--kafka-port", paramLabel = "N", defaultValue = "9392")
    int kafkaPort;

    @Override
    public Integer call() throws Exception {
      new ReplicasBenchmark(
              new ReplicasBenchmark.Options(
                  home().resolve(".moc/bench-replicas"),
                  report.file,
                  kafkaPort,
                  items,
                  examples,
                  20_000,
                  replicas,
                  runs,
                  jobOptions.configuration()),
              out())
          .run();
      return 0;
    }
  }
}
