package io.moc.training;

import io.moc.ctr.online.ModelAveraging.Part;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * Where the CTR trainer's replicas meet for their averaging rounds: a folder under the model store
 * per job attempt, a folder per round in it, one file per replica. A round is complete when every
 * replica's file is there. Flink 2.x has no feedback edges, and a shared file system is what the
 * model store already is for the scorers; a part is written under a temporary name and renamed, so
 * that a reader never sees half of one.
 *
 * <p>The attempt's folder is named by the job, the attempt number and the checkpoint it restored
 * from, all of which every replica of an attempt sees alike: a restarted attempt never reads a
 * failed one's parts.
 */
final class AveragingRounds {

  private final FileSystem fs;
  private final Path job;
  private final Path attempt;
  private final int replicas;

  AveragingRounds(
      String modelStore, String jobId, int attemptNumber, long restoredFrom, int replicas)
      throws IOException {
    this.job = new Path(new Path(modelStore, "averaging"), jobId);
    this.attempt =
        new Path(
            job,
            "attempt-"
                + attemptNumber
                + (restoredFrom < 0 ? "-fresh" : "-restored-from-chk-" + restoredFrom));
    this.replicas = replicas;
    this.fs = attempt.getFileSystem();
  }

  private Path round(long round) {
    return new Path(attempt, String.format("round-%010d", round));
  }

  private Path part(long round, int replica) {
    return new Path(round(round), String.format("replica-%05d.bin", replica));
  }

  /** Hands in {@code replica}'s part of {@code round}. */
  void write(long round, int replica, byte[] bytes) throws IOException {
    Path target = part(round, replica);
    Path temporary = new Path(target.getParent(), "." + target.getName() + ".tmp");
    fs.mkdirs(target.getParent());
    try (OutputStream out = fs.create(temporary, FileSystem.WriteMode.OVERWRITE)) {
      out.write(bytes);
    }
    if (!fs.rename(temporary, target)) {
      throw new IOException("could not move the averaging part to " + target);
    }
  }

  /** Whether {@code replica}'s part of {@code round} is there. */
  boolean has(long round, int replica) throws IOException {
    return fs.exists(part(round, replica));
  }

  /** Whether every replica's part of {@code round} is there. */
  boolean complete(long round) throws IOException {
    for (int r = 0; r < replicas; r++) {
      if (!has(round, r)) {
        return false;
      }
    }
    return true;
  }

  /** Every replica's part of a complete round, in replica order. */
  List<Part> read(long round) throws IOException {
    List<Part> parts = new ArrayList<>(replicas);
    for (int r = 0; r < replicas; r++) {
      byte[] bytes;
      try (InputStream in = fs.open(part(round, r))) {
        bytes = in.readAllBytes();
      }
      Part part = Part.fromBytes(bytes);
      if (part.round() != round || part.replica() != r) {
        throw new IOException(
            "averaging part of round "
                + part.round()
                + ", replica "
                + part.replica()
                + " filed as "
                + round
                + ", "
                + r);
      }
      parts.add(part);
    }
    return parts;
  }

  /** Removes a round every replica has merged. */
  void delete(long round) throws IOException {
    fs.delete(round(round), true);
  }

  /** Removes the folders of this job's other attempts: their replicas are gone. */
  void deleteOtherAttempts() throws IOException {
    if (!fs.exists(job)) {
      return;
    }
    FileStatus[] attempts = fs.listStatus(job);
    if (attempts == null) {
      return;
    }
    for (FileStatus other : attempts) {
      if (!other.getPath().getName().equals(attempt.getName())) {
        fs.delete(other.getPath(), true);
      }
    }
  }

  @Override
  public String toString() {
    return attempt.toString();
  }
}
