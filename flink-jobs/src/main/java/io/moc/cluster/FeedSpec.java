package io.moc.cluster;

import io.moc.local.LocalStack;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.flink.configuration.Configuration;

/**
 * The feed {@code up} was asked for (the options of {@code bin/moc local}), kept in cluster.json
 * for the supervisor, which runs it.
 *
 * @param durationMillis -1: until {@code down}
 */
public record FeedSpec(
    Path data,
    double speedup,
    double maxGapMs,
    double itemsPerSecond,
    double impressionsPerSecond,
    int users,
    long seed,
    long durationMillis,
    Path report,
    boolean drain,
    boolean compareOffline) {

  public static FeedSpec of(LocalStack.Options o) {
    return new FeedSpec(
        o.data() == null ? null : o.data().toAbsolutePath(),
        o.speedup(),
        o.maxGapMs(),
        o.itemsPerSecond(),
        o.impressionsPerSecond(),
        o.users(),
        o.seed(),
        o.duration() == null ? -1 : o.duration().toMillis(),
        o.report() == null ? null : o.report().toAbsolutePath(),
        o.drain(),
        o.compareOffline());
  }

  /** As the feed of a local stack takes them; the fields only a local stack uses are unused. */
  LocalStack.Options toOptions(ClusterSpec spec, Configuration jobConfig) {
    return new LocalStack.Options(
        spec.dir(),
        data,
        speedup,
        maxGapMs,
        itemsPerSecond,
        impressionsPerSecond,
        users,
        seed,
        durationMillis < 0 ? null : Duration.ofMillis(durationMillis),
        report,
        spec.kafkaPort(),
        spec.restPort(),
        1,
        jobConfig,
        drain,
        compareOffline);
  }
}
