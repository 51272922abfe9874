package io.moc.indexing;

import io.moc.codebook.Codebook;
import io.moc.codebook.CodebookCodec;
import io.moc.common.DeadLetterReason;
import io.moc.common.DeadLetters;
import io.moc.common.RawRecord;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Lets only usable codebook versions into broadcast state: one that cannot be decoded, fails its
 * checksum, holds NaN, or was made for another embedding model or dimension is dead-lettered, and
 * the version before it stays active. Runs before the broadcast so each rejection is reported once.
 */
public class ValidateCodebookFunction extends ProcessFunction<RawRecord, CodebookEntry> {

  private final String embeddingModel;
  private final int dimension;
  private transient DeadLetters deadLetters;

  public ValidateCodebookFunction(IndexingSettings settings) {
    this.embeddingModel = settings.embeddingModel();
    this.dimension = settings.embeddingDimension();
  }

  @Override
  public void open(OpenContext openContext) {
    deadLetters = new DeadLetters(getRuntimeContext().getMetricGroup());
  }

  @Override
  public void processElement(RawRecord raw, Context ctx, Collector<CodebookEntry> out) {
    String problem;
    CodebookEntry entry = null;
    try {
      entry = raw.value == null ? null : CodebookEntry.decode(raw.value);
      problem = entry == null ? "empty record" : problemWith(entry);
    } catch (RuntimeException e) {
      problem = "cannot decode: " + e.getMessage();
    }
    if (problem != null) {
      ctx.output(
          DeadLetters.TAG, deadLetters.reject(raw, DeadLetterReason.INVALID_CODEBOOK, problem));
      return;
    }
    out.collect(entry);
  }

  /** Why the version must not be used, or null when it is valid. */
  String problemWith(CodebookEntry entry) {
    if (!CodebookCodec.sha256(entry.artifact).equals(entry.sha256)) {
      return "version " + entry.version + ": checksum mismatch";
    }
    if (!embeddingModel.equals(entry.embeddingModel)) {
      return "version "
          + entry.version
          + " is for model "
          + entry.embeddingModel
          + ", not "
          + embeddingModel;
    }
    Codebook codebook;
    try {
      codebook = CodebookCodec.deserialize(entry.method, entry.artifact);
    } catch (IllegalArgumentException e) {
      return "version " + entry.version + ": " + e.getMessage();
    }
    if (codebook.dimension() != dimension || entry.dimension != dimension) {
      return "version "
          + entry.version
          + " has dimension "
          + codebook.dimension()
          + ", not "
          + dimension;
    }
    if (codebook.numCodebooks() != entry.numCodebooks
        || codebook.codebookSize() != entry.codebookSize) {
      return "version " + entry.version + ": artifact disagrees with num_codebooks/codebook_size";
    }
    if (!codebook.embeddingModel().equals(entry.embeddingModel)) {
      return "version " + entry.version + ": artifact is for model " + codebook.embeddingModel();
    }
    return null;
  }
}
