package io.moc.cli;

import io.moc.bench.IndexingBenchmark;
import io.moc.common.JobConfig;
import io.moc.ctr.eval.EvalMethod;
import io.moc.ctr.eval.EvaluationGrid;
import io.moc.ctr.model.CtrModelConfig.Backbone;
import io.moc.embed.TextModel;
import io.moc.local.BrokerWatchdog;
import io.moc.local.Feed;
import io.moc.local.LocalStack;
import java.io.File;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.util.TimeUtils;

/** {@code bin/moc <command> [options]}. */
public final class MocCli {

  private static final String USAGE =
      """
      Usage: bin/moc <command> [options]

      Commands:
        local     Start a Kafka broker, a Flink MiniCluster with the dashboard, the indexing job and
                  the CTR training job, and feed them the built-in synthetic catalog or a real dataset.
        cluster up|submit|status|savepoint|upgrade|scale|kill|down
                  The same on a real multi-process Flink cluster (JobManager, CPU and GPU
                  TaskManagers, ZooKeeper HA, broker): bin/moc cluster --help.
        audit     Reconcile a deployment's topics: every item coded, superseded, deleted or
                  dead-lettered, every impression trained or dead-lettered; exits 1 when a record is
                  unaccounted for: bin/moc audit --help.
        bench assignment
                  Benchmark code assignment per method on one core.
        bench recoding
                  Benchmark re-coding of held items on a new codebook version, with checkpoints.
        bench ctr
                  Benchmark CTR model training and scoring per backbone against the same network
                  under DJL's own Trainer and Predictor, with heap and RSS peaks.
        bench indexing
                  Benchmark the indexing job through a real broker and MiniCluster: latency at a
                  steady rate, throughput with text embedding next to the raw embedder, and with
                  precomputed embeddings.
        bench soak
                  First a --probe (default 3min) offering --probe-items-per-second 300 and five
                  impressions per item measures both jobs' sustained peak; then both jobs run for
                  --duration (default 30min) at half of it (or at --items-per-second and
                  --impressions-per-second), with --bad-fraction 0.01 of bad records mixed in, a
                  kill -9 of the broker at a third and a TaskManager failure at two thirds: heap,
                  checkpoint durations and restarts over time, and the audit, in reports/bench-soak.json.
        bench stalls
                  What the stream waits for while models train: the local stack twice for
                  --duration (default 3min) at --items-per-second 50 and --impressions-per-second
                  200, a moc codebook trained every --codebook-every 20s and a CTR retraining pass
                  every --retrain-every 10s, first all on the task thread, then as configured
                  (worker thread, chunked passes): codes latency and checkpoint durations, before
                  and after, in reports/bench-stalls.json.
        bench training
                  Benchmark the CTR training job through a real broker and MiniCluster: examples/s
                  of the online trainer next to the same model's plain DJL loop, and model freshness
                  (impression to committed snapshot) at a steady rate.
        codebook train --data DIR --method M --codebooks N --size K --out DIR
                  Train one codebook offline on a dataset's item text (embedded once, cached).
        codebook eval --data DIR --report FILE
                  Compare the codebook methods at several scales over seeds: JSON rows and an SVG
                  figure (discriminability and information abundance against scale, spectra).
        evaluate --data DIR [--quick]
                  The CTR evaluation grid (backbone x item representation x scale x seeds) with
                  early stopping on validation AUC: JSON, markdown and SVG reports; resumable.
        help      Show this text.

      Options of 'local':
        --data DIR                 Replay a dataset in the ../shared/data format (amazon-beauty,
                                   movielens-100k) instead of the synthetic catalog.
        --speedup X                Event-time speedup of a --data replay (default 1000000; 0 = as fast
                                   as possible).
        --max-gap MS               Longest wall-clock pause between two replayed events (default 10):
                                   sparse years of a dataset are not waited through.
        --items-per-second N       Synthetic catalog: new items per second (default 20).
        --impressions-per-second N Synthetic catalog: impressions per second (default 100).
        --users N                  Synthetic catalog: users (default 1000; at 100 impressions/s each
                                   is seen every 10 s, often enough for the model to learn tastes).
        --seed N                   Seed of the catalog, click model and negative sampling (default 7).
        --drain                    When the feed ends (replay over or --duration reached), keep
                                   running until item-codes and ctr-models have been quiet for 20 s,
                                   so the report covers everything the jobs made of the feed.
        --compare-offline          With --data: after the drained replay, score the last snapshot
                                   trained before the test period (80/10/10 by time, as evaluate
                                   splits) on the test period's impressions, next to the same
                                   network trained offline on the same codes and impressions;
                                   printed and in the report under offline_comparison.
        --duration D               Stop after D (Flink durations: 90s, 5min) or when a replay ends;
                                   default: run until Ctrl-C.
        --report FILE              At the end, write a JSON report (counts, codebook version, latency,
                                   newest model version and its metrics).
        --config FILE              Job options in YAML (default config/local.yaml when present).
        -Dkey=value                Set one job option (see flink-jobs/README.md), e.g.
                                   -Dmoc.codebook.train-after-items=200.
        --kafka-port N             Broker port (default 9092; the controller uses N+1).
        --ui-port N                Flink dashboard port (default 8081).
        --parallelism N            Job parallelism (default 1).
        --work-dir DIR             Broker data, checkpoints, model artifacts (default .moc/local).
        --on-broker-loss restart|fail
                                   When the broker JVM dies: start it again on the same port and
                                   data, the jobs and the feed reconnect (default); or stop the run,
                                   write the error to the report and exit with 1.

      Options of 'codebook train' and 'codebook eval':
        --data DIR                 Dataset in the ../shared/data format (required).
        --size K                   Codes per codebook (default 256).
        --projected-dimension D    Projection size of projected-kmeans (default 32).
        --iterations N             k-means iterations (default 25).
        --limit N                  Use only the first N items (by id), for a quick look.
        train: --method M (kmeans, pq, projected-kmeans, rqvae, moc, moc-heads), --codebooks N, --seed S,
               --out DIR
        eval:  --report FILE, --methods a,b (default all), --scales 1,2,3,7, --seeds N (default 3)

      Options of 'evaluate':
        --data DIR                 Dataset in the ../shared/data format (required).
        --report FILE              Default reports/evaluate-<dataset>.json; finished cells are kept
                                   next to it (<report>.cells.jsonl) and skipped when run again.
        --backbones a,b            deepfm, dcnv2, autoint_plus (default all).
        --methods a,b              none, adapter, me, pq, rqvae, moc, moc-heads, moc-concat,
                                   moc-mlp, moc-attention, unified (default all).
        --scales 1,2,3,7           Codes per item, or embedding sets for me (default 1,2,3,7).
        --seeds N                  Seeds per cell (default 3).
        --size K                   Codes per codebook (default 256).
        --dim D                    Field embedding width (default 16).
        --mlp 64,32                Deep MLP widths (default 64,32).
        --batch N                  Mini-batch (default 1024).
        --epochs N --patience N    Most epochs, and epochs without a better validation AUC before
                                   stopping (default 8 and 1).
        --lr X                     Adam learning rate (default 0.001).
        --train-limit N            Train on the newest N training examples only (default all).
        --buckets N                Hash buckets of the unified item id (default items/16).
        --id-dropout P             Share of training examples whose user and item ids are hidden,
                                   so the model learns to score items without history (default 0.1).
        --text-model NAME          Model that embeds item texts: all-minilm-l6-v2-q (default, 6
                                   layers) or e5-small-v2-q (12 layers).
        --report-only              Write the reports from the cells already finished; run none.
        --quick                    deepfm, none and moc at 2x, one seed, one epoch on the newest
                                   60000 training examples: minutes, for CI.

      Options of 'bench assignment' (plain-Java code assignment, items/s on one core, D=384):
        --codebooks N (default 7), --size K (default 256), --items N (default 50000),
        --methods a,b (default all), --report FILE

      Options of 'bench recoding' (items in RocksDB re-coded on a new codebook version, and the
      checkpoints meanwhile): --items N (default 50000), --kafka-port N (default 9292),
        --report FILE, -Dkey=value (job options, e.g. -Dmoc.codebook.num-codebooks=7)

      Options of 'bench ctr' (MoC codes M=7 K=256 derived from item indices, GATE fusion, D=16,
      MLP 64-32; batches from the dataset's training split):
        --data DIR                 Dataset (default ../shared/data/amazon-beauty).
        --batch N                  Mini-batch (default 1024).
        --steps N                  Timed mini-batches per side and repeat (default 200).
        --repeats N                Timed runs per side, alternating which goes first (default 4).
        --backbones a,b            deepfm, dcnv2, autoint_plus (default all).
        --report FILE              Write the figures as JSON.
        Run PyTorch on one thread for comparable figures on a shared machine:
        OMP_NUM_THREADS=1 JAVA_OPTS="-Xmx3g -Dai.djl.pytorch.num_threads=1" bin/moc bench ctr

      Options of 'bench indexing':
        --report FILE              Write the figures as JSON.
        --rate N                   Steady item rate for the latency phase (default 100).
        --steady D                 Length of the latency phase (default 60s).
        --embed-items N            Items of the text-embedding throughput phase (default 3000).
        --precomputed-items N      Items of the precomputed-embedding phase (default 20000).
        --kafka-port N             Broker port (default 9192).
        --parallelism N            Job parallelism (default 1).
        -Dkey=value                A job option, as for 'local'.

      Options of 'bench training' (2000 items with random codes M=4 K=256, unless -D changes them;
      a user clicks with probability 0.6 when the item's first code is below K/2, else 0.05):
        --report FILE              Write the figures as JSON.
        --examples N               Timed backlog of the throughput phase (default 200000), after
                                   20000 untimed warm-up examples; the raw loop trains on the same.
        --items N                  Catalog size (default 2000).
        --rate N                   Steady impression rate of the freshness phase (default 500).
        --steady D                 Sampled stretch of the freshness phase (default 60s), after 15s.
        --kafka-port N             Broker port (default 9392).
        -Dkey=value                A job option, as for 'local' (both jobs; the throughput job
                                   publishes every 2 s, the freshness job at the configured interval).
        Run PyTorch on one thread for comparable figures on a shared machine:
        OMP_NUM_THREADS=1 JAVA_OPTS="-Xmx3g -Dai.djl.pytorch.num_threads=1
          -Dai.djl.pytorch.num_interop_threads=1" bin/moc bench training
      """;

  private MocCli() {}

  public static void main(String[] args) throws Exception {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs one command; returns the process exit code. */
  public static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
    if (args.length == 0 || List.of("help", "--help", "-h").contains(args[0])) {
      out.print(USAGE);
      return args.length == 0 ? 1 : 0;
    }
    Deque<String> rest = new ArrayDeque<>(List.of(args).subList(1, args.length));
    try {
      switch (args[0]) {
        case "local" -> {
          int code = new LocalStack(localOptions(rest), out).run();
          if (code != 0) {
            return code;
          }
        }
        case "cluster" -> ClusterCommand.run(rest, out);
        case "audit" -> {
          return AuditCommand.run(rest, out);
        }
        case "codebook" -> codebook(rest, out);
        case "evaluate" -> evaluate(rest, out);
        case "bench" -> {
          String what = rest.isEmpty() ? "" : rest.pop();
          if (what.equals("assignment")) {
            assignmentBenchmark(rest, out);
          } else if (what.equals("recoding")) {
            recodingBenchmark(rest, out);
          } else if (what.equals("ctr")) {
            ctrBenchmark(rest, out);
          } else if (what.equals("training")) {
            new io.moc.bench.TrainingBenchmark(trainingBenchOptions(rest), out).run();
          } else if (what.equals("indexing")) {
            new IndexingBenchmark(benchOptions(rest), out).run();
          } else if (what.equals("soak")) {
            return new io.moc.bench.SoakBenchmark(soakOptions(rest), out).run();
          } else if (what.equals("stalls")) {
            new io.moc.bench.StallsBenchmark(stallsOptions(rest), out).run();
          } else {
            throw new IllegalArgumentException(
                "usage: bin/moc bench indexing|assignment|recoding|ctr|training|soak|stalls"
                    + " [options]");
          }
        }
        default -> {
          err.println("Unknown command '" + args[0] + "'.");
          err.print(USAGE);
          return 2;
        }
      }
    } catch (IllegalArgumentException e) {
      err.println("Error: " + e.getMessage());
      return 2;
    }
    return 0;
  }

  static LocalStack.Options localOptions(Deque<String> args) throws Exception {
    Path data = null;
    double speedup = 1_000_000;
    double maxGapMs = 10;
    double itemsPerSecond = 20;
    double impressionsPerSecond = 100;
    int users = 1000;
    long seed = 7;
    Duration duration = null;
    BrokerWatchdog.OnLoss onBrokerLoss = BrokerWatchdog.OnLoss.RESTART;
    boolean drain = false;
    Path report = null;
    Path home = Path.of(System.getProperty("moc.home", "."));
    Path config = home.resolve("config/local.yaml");
    boolean configGiven = false;
    int kafkaPort = 9092;
    int uiPort = 8081;
    int parallelism = 1;
    Path workDir = home.resolve(".moc/local");
    boolean compareOffline = false;
    Map<String, String> overrides = new LinkedHashMap<>();
    while (!args.isEmpty()) {
      String arg = args.pop();
      if (isOverride(arg, overrides)) {
        continue;
      }
      switch (arg) {
        case "--data" -> data = Path.of(value(arg, args));
        case "--speedup" -> speedup = Double.parseDouble(value(arg, args));
        case "--max-gap" -> maxGapMs = Double.parseDouble(value(arg, args));
        case "--items-per-second" -> itemsPerSecond = Double.parseDouble(value(arg, args));
        case "--impressions-per-second" ->
            impressionsPerSecond = Double.parseDouble(value(arg, args));
        case "--users" -> users = Integer.parseInt(value(arg, args));
        case "--seed" -> seed = Long.parseLong(value(arg, args));
        case "--duration" -> duration = TimeUtils.parseDuration(value(arg, args));
        case "--drain" -> drain = true;
        case "--compare-offline" -> compareOffline = true;
        case "--report" -> report = Path.of(value(arg, args));
        case "--config" -> {
          config = Path.of(value(arg, args));
          configGiven = true;
        }
        case "--kafka-port" -> kafkaPort = Integer.parseInt(value(arg, args));
        case "--ui-port" -> uiPort = Integer.parseInt(value(arg, args));
        case "--parallelism" -> parallelism = Integer.parseInt(value(arg, args));
        case "--work-dir" -> workDir = Path.of(value(arg, args));
        case "--on-broker-loss" -> onBrokerLoss = BrokerWatchdog.OnLoss.parse(value(arg, args));
        default ->
            throw new IllegalArgumentException("unknown option " + arg + " (see bin/moc --help)");
      }
    }
    if (data != null && !Files.isDirectory(data)) {
      throw new IllegalArgumentException("--data " + data + " is not a directory");
    }
    if (compareOffline && data == null) {
      throw new IllegalArgumentException("--compare-offline needs --data: it splits a dataset");
    }
    if (configGiven && !Files.isRegularFile(config)) {
      throw new IllegalArgumentException("--config " + config + " does not exist");
    }
    Map<String, String> values = new LinkedHashMap<>();
    if (Files.isRegularFile(config)) {
      values.putAll(JobConfig.readYaml(new File(config.toString())));
    }
    values.putAll(overrides);
    return new LocalStack.Options(
        workDir,
        kafkaPort,
        uiPort,
        parallelism,
        Configuration.fromMap(values),
        new Feed.Options(
            data == null ? null : data.toAbsolutePath(),
            speedup,
            maxGapMs,
            itemsPerSecond,
            impressionsPerSecond,
            users,
            seed,
            duration == null ? -1 : duration.toMillis(),
            report == null ? null : report.toAbsolutePath(),
            drain || compareOffline,
            compareOffline),
        onBrokerLoss);
  }

  private static void codebook(Deque<String> args, PrintStream out) throws Exception {
    String sub = args.isEmpty() ? "" : args.pop();
    if (!sub.equals("train") && !sub.equals("eval")) {
      throw new IllegalArgumentException("usage: bin/moc codebook train|eval [options]");
    }
    Path home = Path.of(System.getProperty("moc.home", "."));
    Path data = null;
    int size = 256;
    int projected = 32;
    int iterations = 25;
    int limit = 0;
    String method = null;
    int codebooks = 4;
    long seed = 1;
    Path outDir = null;
    Path report = null;
    List<String> methods = io.moc.codebook.methods.CodebookMethods.ALL;
    List<Integer> scales = List.of(1, 2, 3, 7);
    int seeds = 3;
    while (!args.isEmpty()) {
      String arg = args.pop();
      switch (arg) {
        case "--data" -> data = Path.of(value(arg, args));
        case "--size" -> size = Integer.parseInt(value(arg, args));
        case "--projected-dimension" -> projected = Integer.parseInt(value(arg, args));
        case "--iterations" -> iterations = Integer.parseInt(value(arg, args));
        case "--limit" -> limit = Integer.parseInt(value(arg, args));
        case "--method" -> method = value(arg, args);
        case "--codebooks" -> codebooks = Integer.parseInt(value(arg, args));
        case "--seed" -> seed = Long.parseLong(value(arg, args));
        case "--out" -> outDir = Path.of(value(arg, args));
        case "--report" -> report = Path.of(value(arg, args));
        case "--methods" -> methods = List.of(value(arg, args).split(","));
        case "--scales" -> scales = integers(value(arg, args));
        case "--seeds" -> seeds = Integer.parseInt(value(arg, args));
        default ->
            throw new IllegalArgumentException("unknown option " + arg + " (see bin/moc --help)");
      }
    }
    if (data == null || !Files.isDirectory(data)) {
      throw new IllegalArgumentException("--data DIR is required and must be a dataset directory");
    }
    CodebookCommand.Common common =
        new CodebookCommand.Common(
            data, size, projected, iterations, limit, home.resolve(".moc/cache"));
    CodebookCommand command = new CodebookCommand(out);
    if (sub.equals("train")) {
      if (method == null || outDir == null) {
        throw new IllegalArgumentException("codebook train needs --method and --out");
      }
      command.train(common, method, codebooks, seed, outDir);
    } else {
      if (report == null) {
        throw new IllegalArgumentException("codebook eval needs --report FILE");
      }
      command.eval(common, methods, scales, seeds, report);
    }
  }

  private static void evaluate(Deque<String> args, PrintStream out) throws Exception {
    Path data = null;
    Path report = null;
    List<Backbone> backbones = List.of(Backbone.values());
    List<EvalMethod> methods = EvalMethod.ALL;
    List<Integer> scales = List.of(1, 2, 3, 7);
    int seeds = 3;
    int size = 256;
    int dim = 16;
    List<Integer> mlp = List.of(64, 32);
    int batch = 1024;
    int epochs = 8;
    int patience = 1;
    float lr = 1e-3f;
    int trainLimit = 0;
    double idDropout = 0.1;
    int buckets = 0;
    boolean quick = false;
    boolean reportOnly = false;
    TextModel textModel = TextModel.ALL_MINILM_L6_V2_Q;
    while (!args.isEmpty()) {
      String arg = args.pop();
      switch (arg) {
        case "--data" -> data = Path.of(value(arg, args));
        case "--report" -> report = Path.of(value(arg, args));
        case "--backbones" -> backbones = backbones(value(arg, args));
        case "--methods" ->
            methods =
                Stream.of(value(arg, args).split(","))
                    .map(m -> EvalMethod.named(m.trim()))
                    .toList();
        case "--scales" -> scales = integers(value(arg, args));
        case "--seeds" -> seeds = Integer.parseInt(value(arg, args));
        case "--size" -> size = Integer.parseInt(value(arg, args));
        case "--dim" -> dim = Integer.parseInt(value(arg, args));
        case "--mlp" -> mlp = integers(value(arg, args));
        case "--batch" -> batch = Integer.parseInt(value(arg, args));
        case "--epochs" -> epochs = Integer.parseInt(value(arg, args));
        case "--patience" -> patience = Integer.parseInt(value(arg, args));
        case "--lr" -> lr = Float.parseFloat(value(arg, args));
        case "--train-limit" -> trainLimit = Integer.parseInt(value(arg, args));
        case "--buckets" -> buckets = Integer.parseInt(value(arg, args));
        case "--id-dropout" -> idDropout = Double.parseDouble(value(arg, args));
        case "--text-model" -> textModel = TextModel.named(value(arg, args));
        case "--quick" -> quick = true;
        case "--report-only" -> reportOnly = true;
        default -> throw new IllegalArgumentException("unknown option " + arg);
      }
    }
    if (data == null || !Files.isDirectory(data)) {
      throw new IllegalArgumentException("evaluate needs --data DIR, a dataset directory");
    }
    if (quick) {
      backbones = List.of(Backbone.DEEPFM);
      methods = List.of(EvalMethod.named("none"), EvalMethod.named("moc"));
      scales = List.of(2);
      seeds = 1;
      epochs = 1;
      trainLimit = 60_000;
    }
    if (report == null) {
      report =
          Path.of("reports", "evaluate-" + data.getFileName() + (quick ? "-quick" : "") + ".json");
    }
    EvaluationGrid.Settings settings =
        new EvaluationGrid.Settings(
            data,
            backbones,
            methods,
            scales,
            seeds,
            size,
            dim,
            mlp,
            batch,
            epochs,
            patience,
            lr,
            trainLimit,
            idDropout,
            buckets,
            1,
            textModel,
            Path.of(System.getProperty("moc.home", ".")).resolve(".moc/cache"));
    new EvaluateCommand(out).run(settings, report, reportOnly);
  }

  private static List<Integer> integers(String csv) {
    return Stream.of(csv.split(",")).map(s -> Integer.parseInt(s.trim())).toList();
  }

  private static void recodingBenchmark(Deque<String> args, PrintStream out) throws Exception {
    Path home = Path.of(System.getProperty("moc.home", "."));
    int items = 50_000;
    int kafkaPort = 9292;
    Path report = null;
    Map<String, String> overrides = new LinkedHashMap<>();
    while (!args.isEmpty()) {
      String arg = args.pop();
      if (isOverride(arg, overrides)) {
        continue;
      }
      switch (arg) {
        case "--items" -> items = Integer.parseInt(value(arg, args));
        case "--kafka-port" -> kafkaPort = Integer.parseInt(value(arg, args));
        case "--report" -> report = Path.of(value(arg, args));
        default ->
            throw new IllegalArgumentException("unknown option " + arg + " (see bin/moc --help)");
      }
    }
    var result =
        new io.moc.bench.RecodingBenchmark(out)
            .run(
                home.resolve(".moc/bench-recoding"),
                kafkaPort,
                items,
                Configuration.fromMap(overrides));
    if (report != null) {
      out.println("Report written to " + io.moc.local.JsonReport.write(report, result));
    }
  }

  private static void assignmentBenchmark(Deque<String> args, PrintStream out) throws Exception {
    int m = 7;
    int k = 256;
    int items = 50_000;
    Path report = null;
    List<String> methods = io.moc.codebook.methods.CodebookMethods.ALL;
    while (!args.isEmpty()) {
      String arg = args.pop();
      switch (arg) {
        case "--codebooks" -> m = Integer.parseInt(value(arg, args));
        case "--size" -> k = Integer.parseInt(value(arg, args));
        case "--items" -> items = Integer.parseInt(value(arg, args));
        case "--methods" -> methods = List.of(value(arg, args).split(","));
        case "--report" -> report = Path.of(value(arg, args));
        default ->
            throw new IllegalArgumentException("unknown option " + arg + " (see bin/moc --help)");
      }
    }
    var result = new io.moc.bench.AssignmentBenchmark(out).run(methods, m, k, 384, items);
    if (report != null) {
      out.println("Report written to " + io.moc.local.JsonReport.write(report, result));
    }
  }

  private static void ctrBenchmark(Deque<String> args, PrintStream out) throws Exception {
    Path home = Path.of(System.getProperty("moc.home", "."));
    Path data = home.resolve("../shared/data/amazon-beauty").normalize();
    Path report = null;
    int batch = 1024;
    int steps = 200;
    int repeats = 4;
    List<Backbone> backbones = List.of(Backbone.values());
    while (!args.isEmpty()) {
      String arg = args.pop();
      switch (arg) {
        case "--data" -> data = Path.of(value(arg, args));
        case "--report" -> report = Path.of(value(arg, args));
        case "--batch" -> batch = Integer.parseInt(value(arg, args));
        case "--steps" -> steps = Integer.parseInt(value(arg, args));
        case "--repeats" -> repeats = Integer.parseInt(value(arg, args));
        case "--backbones" -> backbones = backbones(value(arg, args));
        default ->
            throw new IllegalArgumentException("unknown option " + arg + " (see bin/moc --help)");
      }
    }
    if (!Files.isDirectory(data)) {
      throw new IllegalArgumentException("--data " + data + " is not a directory");
    }
    var result =
        new io.moc.bench.CtrBenchmark(out)
            .run(new io.moc.bench.CtrBenchmark.Options(data, batch, steps, repeats, backbones, 7));
    if (report != null) {
      out.println("Report written to " + io.moc.local.JsonReport.write(report, result));
    }
  }

  private static List<Backbone> backbones(String csv) {
    return Stream.of(csv.split(",")).map(b -> Backbone.valueOf(b.trim().toUpperCase())).toList();
  }

  static io.moc.bench.SoakBenchmark.Options soakOptions(Deque<String> args) throws Exception {
    Path home = Path.of(System.getProperty("moc.home", "."));
    Duration duration = Duration.ofMinutes(30);
    double items = Double.NaN;
    double impressions = Double.NaN;
    Duration probe = Duration.ofMinutes(3);
    double probeItems = 300;
    double bad = 0.01;
    Path report = Path.of("reports/bench-soak.json");
    Path workDir = home.resolve(".moc/soak");
    int kafkaPort = 9292;
    int uiPort = 8081;
    Map<String, String> overrides = new LinkedHashMap<>();
    while (!args.isEmpty()) {
      String arg = args.pop();
      if (isOverride(arg, overrides)) {
        continue;
      }
      switch (arg) {
        case "--duration" -> duration = TimeUtils.parseDuration(value(arg, args));
        case "--items-per-second" -> items = Double.parseDouble(value(arg, args));
        case "--impressions-per-second" -> impressions = Double.parseDouble(value(arg, args));
        case "--probe" -> probe = TimeUtils.parseDuration(value(arg, args));
        case "--probe-items-per-second" -> probeItems = Double.parseDouble(value(arg, args));
        case "--bad-fraction" -> bad = Double.parseDouble(value(arg, args));
        case "--report" -> report = Path.of(value(arg, args));
        case "--work-dir" -> workDir = Path.of(value(arg, args));
        case "--kafka-port" -> kafkaPort = Integer.parseInt(value(arg, args));
        case "--ui-port" -> uiPort = Integer.parseInt(value(arg, args));
        default -> throw new IllegalArgumentException("unknown option " + arg);
      }
    }
    return new io.moc.bench.SoakBenchmark.Options(
        duration,
        items,
        impressions,
        probe,
        probeItems,
        bad,
        report,
        workDir,
        kafkaPort,
        uiPort,
        localJobConfig(home, overrides));
  }

  /** The local stack's job options (config/local.yaml when present) with -D overrides on top. */
  private static Configuration localJobConfig(Path home, Map<String, String> overrides)
      throws Exception {
    Map<String, String> values = new LinkedHashMap<>();
    Path config = home.resolve("config/local.yaml");
    if (Files.isRegularFile(config)) {
      values.putAll(JobConfig.readYaml(new File(config.toString())));
    }
    values.putAll(overrides);
    return Configuration.fromMap(values);
  }

  static io.moc.bench.StallsBenchmark.Options stallsOptions(Deque<String> args) throws Exception {
    Path home = Path.of(System.getProperty("moc.home", "."));
    Duration duration = Duration.ofMinutes(3);
    double items = 50;
    double impressions = 200;
    Duration codebookEvery = Duration.ofSeconds(20);
    Duration retrainEvery = Duration.ofSeconds(10);
    Path report = Path.of("reports/bench-stalls.json");
    Path workDir = home.resolve(".moc/stalls");
    int kafkaPort = 9392;
    int uiPort = 8081;
    Map<String, String> overrides = new LinkedHashMap<>();
    while (!args.isEmpty()) {
      String arg = args.pop();
      if (isOverride(arg, overrides)) {
        continue;
      }
      switch (arg) {
        case "--duration" -> duration = TimeUtils.parseDuration(value(arg, args));
        case "--items-per-second" -> items = Double.parseDouble(value(arg, args));
        case "--impressions-per-second" -> impressions = Double.parseDouble(value(arg, args));
        case "--codebook-every" -> codebookEvery = TimeUtils.parseDuration(value(arg, args));
        case "--retrain-every" -> retrainEvery = TimeUtils.parseDuration(value(arg, args));
        case "--report" -> report = Path.of(value(arg, args));
        case "--work-dir" -> workDir = Path.of(value(arg, args));
        case "--kafka-port" -> kafkaPort = Integer.parseInt(value(arg, args));
        case "--ui-port" -> uiPort = Integer.parseInt(value(arg, args));
        default -> throw new IllegalArgumentException("unknown option " + arg);
      }
    }
    return new io.moc.bench.StallsBenchmark.Options(
        duration,
        items,
        impressions,
        codebookEvery,
        retrainEvery,
        report,
        workDir,
        kafkaPort,
        uiPort,
        localJobConfig(home, overrides));
  }

  static IndexingBenchmark.Options benchOptions(Deque<String> args) {
    Path home = Path.of(System.getProperty("moc.home", "."));
    Path report = null;
    double rate = 100;
    Duration steady = Duration.ofSeconds(60);
    int embedItems = 3000;
    int precomputedItems = 20000;
    int kafkaPort = 9192;
    int parallelism = 1;
    Map<String, String> overrides = new LinkedHashMap<>();
    while (!args.isEmpty()) {
      String arg = args.pop();
      if (isOverride(arg, overrides)) {
        continue;
      }
      switch (arg) {
        case "--report" -> report = Path.of(value(arg, args));
        case "--rate" -> rate = Double.parseDouble(value(arg, args));
        case "--steady" -> steady = TimeUtils.parseDuration(value(arg, args));
        case "--embed-items" -> embedItems = Integer.parseInt(value(arg, args));
        case "--precomputed-items" -> precomputedItems = Integer.parseInt(value(arg, args));
        case "--kafka-port" -> kafkaPort = Integer.parseInt(value(arg, args));
        case "--parallelism" -> parallelism = Integer.parseInt(value(arg, args));
        default ->
            throw new IllegalArgumentException("unknown option " + arg + " (see bin/moc --help)");
      }
    }
    return new IndexingBenchmark.Options(
        home.resolve(".moc/bench"),
        report,
        kafkaPort,
        rate,
        steady,
        embedItems,
        precomputedItems,
        parallelism,
        Configuration.fromMap(overrides));
  }

  static io.moc.bench.TrainingBenchmark.Options trainingBenchOptions(Deque<String> args) {
    Path home = Path.of(System.getProperty("moc.home", "."));
    Path report = null;
    int examples = 200_000;
    int items = 2000;
    double rate = 500;
    Duration steady = Duration.ofSeconds(60);
    int kafkaPort = 9392;
    Map<String, String> overrides = new LinkedHashMap<>();
    while (!args.isEmpty()) {
      String arg = args.pop();
      if (isOverride(arg, overrides)) {
        continue;
      }
      switch (arg) {
        case "--report" -> report = Path.of(value(arg, args));
        case "--examples" -> examples = Integer.parseInt(value(arg, args));
        case "--items" -> items = Integer.parseInt(value(arg, args));
        case "--rate" -> rate = Double.parseDouble(value(arg, args));
        case "--steady" -> steady = TimeUtils.parseDuration(value(arg, args));
        case "--kafka-port" -> kafkaPort = Integer.parseInt(value(arg, args));
        default ->
            throw new IllegalArgumentException("unknown option " + arg + " (see bin/moc --help)");
      }
    }
    return new io.moc.bench.TrainingBenchmark.Options(
        home.resolve(".moc/bench-training"),
        report,
        kafkaPort,
        items,
        examples,
        20_000,
        Duration.ofSeconds(2),
        rate,
        Duration.ofSeconds(15),
        steady,
        Configuration.fromMap(overrides));
  }

  /** Takes {@code -Dkey=value} into {@code overrides}; false for any other argument. */
  private static boolean isOverride(String arg, Map<String, String> overrides) {
    int eq = arg.indexOf('=');
    if (!arg.startsWith("-D") || eq < 0) {
      return false;
    }
    overrides.put(arg.substring(2, eq), arg.substring(eq + 1));
    return true;
  }

  private static String value(String option, Deque<String> args) {
    if (args.isEmpty()) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return args.pop();
  }
}
