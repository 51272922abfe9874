package io.moc.cluster;

import java.util.Arrays;

/** The jobs the cluster runs, by the name the command line uses. */
public enum ClusterJob {
  INDEXING("indexing", "io.moc.indexing.IndexingJob", "moc indexing"),
  TRAINING("training", "io.moc.training.TrainingJob", "moc training");

  /** Name on the command line and of the job's YAML in {@code config/cluster/}. */
  public final String id;

  public final String entryClass;

  /** The name the job runs under ({@code env.execute(...)}), as the dashboard shows it. */
  public final String jobName;

  ClusterJob(String id, String entryClass, String jobName) {
    this.id = id;
    this.entryClass = entryClass;
    this.jobName = jobName;
  }

  public static ClusterJob named(String id) {
    return Arrays.stream(values())
        .filter(j -> j.id.equals(id))
        .findFirst()
        .orElseThrow(
            () -> new IllegalArgumentException("no job '" + id + "'; jobs: indexing, training"));
  }
}
