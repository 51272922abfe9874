package io.moc.training;

import io.moc.avro.AvroBytes;
import io.moc.avro.CodebookVersion;
import io.moc.codebook.Codebook;
import io.moc.codebook.CodebookCodec;
import io.moc.common.AvroRecordSerializer;
import io.moc.ctr.model.CtrModel;
import io.moc.kafka.KafkaConnection;
import io.moc.kafka.TopicTail;
import java.io.Serializable;
import java.nio.ByteBuffer;

/**
 * The code vectors of a codebook version, for a CODE_VECTORS model of that version (in the layout
 * of {@link CtrModel#codeVectorsOf}). Read when the trainer starts a model for a version, not per
 * example: the model then carries them in every snapshot and artifact.
 */
@FunctionalInterface
public interface CodebookVectors extends Serializable {

  /**
   * The vectors of codebook version {@code version}, or null when no intact codebook of that
   * version is published.
   */
  float[][] of(long version) throws Exception;

  /** For jobs whose models read no code vectors. */
  CodebookVectors NONE = version -> null;

  /**
   * Reads the codebooks topic (compacted: one record per version, keyed by its number) to its end
   * for the version's record, whose artifact must match its SHA-256.
   */
  static CodebookVectors onTopic(KafkaConnection kafka, String topic) {
    return version -> {
      byte[][] value = {null};
      byte[] key = AvroRecordSerializer.versionKey(version);
      try (TopicTail tail = new TopicTail(kafka, topic)) {
        tail.readToEnd(
            r -> {
              if (java.util.Arrays.equals(key, r.key())) {
                // The latest record of the key wins, as compaction would have it.
                value[0] = r.value();
              }
            });
      }
      if (value[0] == null) {
        return null;
      }
      // The Avro record itself: the indexing job's CodebookEntry is its own.
      CodebookVersion entry = AvroBytes.decode(CodebookVersion.class, value[0]);
      if (entry.getArtifact() == null) {
        return null;
      }
      ByteBuffer buffer = entry.getArtifact().duplicate();
      byte[] artifact = new byte[buffer.remaining()];
      buffer.get(artifact);
      if (!CodebookCodec.sha256(artifact).equals(entry.getSha256())) {
        return null;
      }
      try (Codebook codebook = CodebookCodec.deserialize(entry.getMethod(), artifact)) {
        return CtrModel.codeVectorsOf(codebook);
      }
    };
  }
}
