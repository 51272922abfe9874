package io.moc.cli;

import io.moc.local.Feed;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/** What {@code bin/moc local} and {@code bin/moc cluster up} publish: the feed's options. */
final class FeedOptions {

  @Option(
      names = "--data",
      paramLabel = "DIR",
      description =
          "Replay a dataset in the ../shared/data format (amazon-beauty, movielens-100k) instead"
              + " of the synthetic catalog.")
  Path data;

  @Option(
      names = "--speedup",
      paramLabel = "X",
      defaultValue = "1000000",
      description =
          "Event-time speedup of a --data replay (default ${DEFAULT-VALUE}; 0 = as fast as"
              + " possible).")
  double speedup;

  @Option(
      names = "--max-gap",
      paramLabel = "MS",
      defaultValue = "10",
      description =
          "Longest wall-clock pause between two replayed events (default ${DEFAULT-VALUE}):"
              + " sparse years of a dataset are not waited through.")
  double maxGapMs;

  @Option(
      names = "--items-per-second",
      paramLabel = "N",
      defaultValue = "20",
      description = "Synthetic catalog: new items per second (default ${DEFAULT-VALUE}).")
  double itemsPerSecond;

  @Option(
      names = "--impressions-per-second",
      paramLabel = "N",
      defaultValue = "100",
      description = "Synthetic catalog: impressions per second (default ${DEFAULT-VALUE}).")
  double impressionsPerSecond;

  @Option(
      names = "--users",
      paramLabel = "N",
      defaultValue = "1000",
      description =
          "Synthetic catalog: users (default ${DEFAULT-VALUE}; at 100 impressions/s each is seen"
              + " every 10 s, often enough for the model to learn tastes).")
  int users;

  @Option(
      names = "--seed",
      paramLabel = "N",
      defaultValue = "7",
      description =
          "Seed of the catalog, click model and negative sampling (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--duration",
      paramLabel = "D",
      description =
          "Stop after D (Flink durations: 90s, 5min) or when a replay ends; default: run until"
              + " Ctrl-C.")
  Duration duration;

  @Option(
      names = "--drain",
      description =
          "When the feed ends (replay over or --duration reached), keep running until item-codes"
              + " and ctr-models have been quiet for 20 s, so the report covers everything the"
              + " jobs made of the feed.")
  boolean drain;

  @Option(
      names = "--report",
      paramLabel = "FILE",
      description =
          "At the end, write a JSON report (counts, codebook version, latency, newest model"
              + " version and its metrics).")
  Path report;

  /** The feed, comparing against an offline model at the end when {@code compareOffline}. */
  Feed.Options feed(boolean compareOffline) {
    if (data != null && !Files.isDirectory(data)) {
      throw new IllegalArgumentException("--data " + data + " is not a directory");
    }
    if (compareOffline && data == null) {
      throw new IllegalArgumentException("--compare-offline needs --data: it splits a dataset");
    }
    return new Feed.Options(
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
        compareOffline);
  }
}
