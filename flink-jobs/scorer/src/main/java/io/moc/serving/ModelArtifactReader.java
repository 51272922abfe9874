package io.moc.serving;

import io.moc.ctr.online.ModelDelta;
import io.moc.ctr.online.ModelSnapshotEntry;
import io.moc.util.Sha256;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Reads the full model artifact of a snapshot from {@code ctr-models}: a full snapshot's artifact
 * as it is, a delta's rebuilt from the full snapshot it names, every step checked against the
 * SHA-256 the announcements carry (the delta's own, its base's, and the rebuilt model's). It
 * remembers the full snapshots it has been shown and keeps the last base it read, so that a reader
 * following the topic reads each full artifact once however many deltas follow it.
 */
public final class ModelArtifactReader {

  private final ArtifactOpener opener;
  private final Map<Long, ModelSnapshotEntry> fulls = new HashMap<>();
  private long cachedVersion = -1;
  private byte[] cachedBytes;

  public ModelArtifactReader(ArtifactOpener opener) {
    this.opener = opener;
  }

  /** Takes note of a snapshot read from the topic: a full one may be a later delta's base. */
  public void remember(ModelSnapshotEntry snapshot) {
    if (!snapshot.isDelta()) {
      fulls.put(snapshot.version, snapshot);
    }
  }

  /**
   * The snapshot's full artifact, verified against {@link ModelSnapshotEntry#modelSha()}.
   *
   * @throws IllegalArgumentException when an artifact is not the one announced, or a delta's base
   *     is unknown or not the one it was taken against
   * @throws UncheckedIOException when an artifact cannot be read
   */
  public byte[] read(ModelSnapshotEntry snapshot) {
    byte[] artifact = verified(snapshot, bytesAt(snapshot), snapshot.sha256, "artifact");
    if (!snapshot.isDelta()) {
      return artifact;
    }
    ModelSnapshotEntry base = fulls.get(snapshot.baseVersion);
    if (base == null) {
      throw new IllegalArgumentException(
          "model version "
              + snapshot.version
              + " is a delta on version "
              + snapshot.baseVersion
              + ", which is not a full snapshot on the topic");
    }
    byte[] baseBytes = cachedVersion == base.version ? cachedBytes : null;
    if (baseBytes == null) {
      baseBytes = verified(base, bytesAt(base), base.sha256, "artifact");
      cachedVersion = base.version;
      cachedBytes = baseBytes;
    }
    verified(
        snapshot, baseBytes, snapshot.baseSha256, "base artifact (version " + base.version + ")");
    byte[] rebuilt;
    try {
      rebuilt = ModelDelta.apply(baseBytes, artifact);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "model version " + snapshot.version + ": " + e.getMessage(), e);
    }
    return verified(snapshot, rebuilt, snapshot.modelSha256, "model rebuilt from its delta");
  }

  private byte[] bytesAt(ModelSnapshotEntry snapshot) {
    try {
      return opener.read(snapshot.artifactUri);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read model version " + snapshot.version + " at " + snapshot.artifactUri, e);
    }
  }

  private static byte[] verified(
      ModelSnapshotEntry snapshot, byte[] bytes, String announced, String what) {
    String actual = Sha256.hex(bytes);
    String expected = announced == null ? "" : announced.toLowerCase(Locale.ROOT);
    if (!actual.equals(expected)) {
      throw new IllegalArgumentException(
          "model version "
              + snapshot.version
              + ": the "
              + what
              + " at "
              + snapshot.artifactUri
              + " has SHA-256 "
              + actual
              + ", its snapshot announces "
              + announced
              + " (corrupted, tampered with or overwritten); refusing to load it");
    }
    return bytes;
  }
}
