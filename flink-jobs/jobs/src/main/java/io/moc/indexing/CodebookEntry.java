package io.moc.indexing;

import io.moc.avro.AvroBytes;
import io.moc.avro.CodebookVersion;
import io.moc.codebook.CodeStatistics;
import io.moc.codebook.Codebook;
import io.moc.codebook.CodebookCodec;
import io.moc.common.AvroRecordSerializer;
import io.moc.util.NamedValues;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A codebook version as the job holds it in broadcast state: the artifact's bytes plus metadata. A
 * Flink POJO (metrics as parallel arrays so that no field falls back to Kryo).
 */
public class CodebookEntry {
  public long version;
  public String method;
  public String embeddingModel;
  public int dimension;
  public int numCodebooks;
  public int codebookSize;
  public long createdTime;
  public int trainedOn;
  public byte[] artifact;
  public String sha256;
  public String[] metricNames = new String[0];
  public double[] metricValues = new double[0];

  public CodebookEntry() {}

  /** A new version of {@code codebook}, with its checksum and its code statistics on the sample. */
  public static CodebookEntry of(long version, Codebook codebook, List<float[]> trainedOn) {
    CodebookEntry entry = new CodebookEntry();
    entry.version = version;
    entry.method = codebook.method();
    entry.embeddingModel = codebook.embeddingModel();
    entry.dimension = codebook.dimension();
    entry.numCodebooks = codebook.numCodebooks();
    entry.codebookSize = codebook.codebookSize();
    entry.createdTime = System.currentTimeMillis();
    entry.trainedOn = trainedOn.size();
    entry.artifact = CodebookCodec.serialize(codebook);
    entry.sha256 = CodebookCodec.sha256(entry.artifact);
    entry.setMetrics(CodeStatistics.of(codebook, trainedOn));
    return entry;
  }

  public Map<String, Double> metrics() {
    return NamedValues.toMap(metricNames, metricValues);
  }

  public void setMetrics(Map<String, Double> metrics) {
    metricNames = NamedValues.names(metrics);
    metricValues = NamedValues.values(metrics);
  }

  /** Codebook versions keyed by their version number, as a decimal string. */
  public static AvroRecordSerializer<CodebookEntry, CodebookVersion> serializer(String topic) {
    return AvroRecordSerializer.of(
        topic, CodebookEntry::toAvro, (e, v) -> AvroRecordSerializer.versionKey(e.version));
  }

  public CodebookVersion toAvro() {
    Map<String, Double> metrics = metrics();
    return CodebookVersion.newBuilder()
        .setVersion(version)
        .setMethod(method)
        .setEmbeddingModel(embeddingModel)
        .setDimension(dimension)
        .setNumCodebooks(numCodebooks)
        .setCodebookSize(codebookSize)
        .setCreatedTime(Instant.ofEpochMilli(createdTime))
        .setTrainedOn(trainedOn)
        .setArtifact(ByteBuffer.wrap(artifact))
        .setSha256(sha256)
        .setMetrics(metrics)
        .build();
  }

  public static CodebookEntry fromAvro(CodebookVersion v) {
    CodebookEntry e = new CodebookEntry();
    e.version = v.getVersion();
    e.method = v.getMethod();
    e.embeddingModel = v.getEmbeddingModel();
    e.dimension = v.getDimension();
    e.numCodebooks = v.getNumCodebooks();
    e.codebookSize = v.getCodebookSize();
    e.createdTime = v.getCreatedTime().toEpochMilli();
    e.trainedOn = v.getTrainedOn();
    ByteBuffer buffer = v.getArtifact().duplicate();
    e.artifact = new byte[buffer.remaining()];
    buffer.get(e.artifact);
    e.sha256 = v.getSha256();
    e.setMetrics(v.getMetrics() == null ? Map.of() : v.getMetrics());
    return e;
  }

  public static CodebookEntry decode(byte[] value) {
    return fromAvro(AvroBytes.decode(CodebookVersion.class, value));
  }
}
