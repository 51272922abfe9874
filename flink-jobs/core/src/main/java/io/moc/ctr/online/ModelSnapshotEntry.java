package io.moc.ctr.online;

import io.moc.avro.ModelSnapshot;
import io.moc.util.NamedValues;
import java.time.Instant;
import java.util.Map;

/**
 * A published model version as the job emits it to {@code ctr-models}. A Flink POJO (metrics as
 * parallel arrays so that no field falls back to Kryo).
 */
public class ModelSnapshotEntry {
  public long version;
  public long codebookVersion;
  public long createdTime;
  public long examplesSeen;
  public String artifactUri;
  public String sha256;
  // A delta's base: -1 for a full model (see ModelSnapshot.base_version).
  public long baseVersion = -1;
  public String baseSha256 = "";
  public String modelSha256 = "";
  public String[] metricNames = new String[0];
  public double[] metricValues = new double[0];

  public ModelSnapshotEntry() {}

  /** Whether the artifact is a delta on the full snapshot {@link #baseVersion}. */
  public boolean isDelta() {
    return baseVersion >= 0;
  }

  /** The SHA-256 of the full model: the artifact's own, or for a delta the one it rebuilds. */
  public String modelSha() {
    return isDelta() ? modelSha256 : sha256;
  }

  public Map<String, Double> metrics() {
    return NamedValues.toMap(metricNames, metricValues);
  }

  public void setMetrics(Map<String, Double> metrics) {
    metricNames = NamedValues.names(metrics);
    metricValues = NamedValues.values(metrics);
  }

  public ModelSnapshot toAvro() {
    return ModelSnapshot.newBuilder()
        .setVersion(version)
        .setCodebookVersion(codebookVersion)
        .setCreatedTime(Instant.ofEpochMilli(createdTime))
        .setExamplesSeen(examplesSeen)
        .setMetrics(metrics())
        .setArtifactUri(artifactUri)
        .setSha256(sha256)
        .setBaseVersion(baseVersion)
        .setBaseSha256(baseSha256)
        .setModelSha256(modelSha256)
        .build();
  }

  public static ModelSnapshotEntry fromAvro(ModelSnapshot s) {
    ModelSnapshotEntry e = new ModelSnapshotEntry();
    e.version = s.getVersion();
    e.codebookVersion = s.getCodebookVersion();
    e.createdTime = s.getCreatedTime().toEpochMilli();
    e.examplesSeen = s.getExamplesSeen();
    e.artifactUri = s.getArtifactUri();
    e.sha256 = s.getSha256();
    e.baseVersion = s.getBaseVersion();
    e.baseSha256 = s.getBaseSha256() == null ? "" : s.getBaseSha256();
    e.modelSha256 = s.getModelSha256() == null ? "" : s.getModelSha256();
    e.setMetrics(s.getMetrics() == null ? Map.of() : s.getMetrics());
    return e;
  }
}
