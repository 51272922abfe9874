package io.moc.training;

import io.moc.avro.ModelSnapshot;
import java.time.Instant;
import java.util.LinkedHashMap;
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
  public String[] metricNames = new String[0];
  public double[] metricValues = new double[0];

  public ModelSnapshotEntry() {}

  public Map<String, Double> metrics() {
    Map<String, Double> m = new LinkedHashMap<>();
    for (int i = 0; i < metricNames.length; i++) {
      m.put(metricNames[i], metricValues[i]);
    }
    return m;
  }

  public void setMetrics(Map<String, Double> metrics) {
    metricNames = metrics.keySet().toArray(new String[0]);
    metricValues = metrics.values().stream().mapToDouble(Double::doubleValue).toArray();
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
    e.setMetrics(s.getMetrics() == null ? Map.of() : s.getMetrics());
    return e;
  }
}
