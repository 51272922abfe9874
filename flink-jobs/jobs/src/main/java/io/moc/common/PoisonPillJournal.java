package io.moc.common;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * Which input records failed a job, and how often in a row: one small file per record under a
 * directory that outlives the task (beside the checkpoints), because a failed task's state is
 * rolled back with it and could not remember the record that killed it.
 *
 * <p>Only records that actually failed have a file; a healthy job reads an empty directory once per
 * task start and writes nothing.
 */
public final class PoisonPillJournal {

  private static final String SUFFIX = ".failures";
  private static final int MAX_ERROR_CHARS = 1000;

  /** How often a record failed in a row, and the last failure. */
  public record Failures(int count, String lastError) {}

  private final Path dir;
  private final Map<String, Failures> failures = new HashMap<>();

  private PoisonPillJournal(Path dir) {
    this.dir = dir;
  }

  /** Reads the journal under {@code dirUri}; null: a journal that forgets on restart. */
  public static PoisonPillJournal open(String dirUri) throws IOException {
    PoisonPillJournal journal = new PoisonPillJournal(dirUri == null ? null : new Path(dirUri));
    journal.load();
    return journal;
  }

  /** Whether failures survive a restart. */
  public boolean durable() {
    return dir != null;
  }

  /** The failures of the record at these coordinates; null if it never failed. */
  public Failures failures(String topic, int partition, long offset) {
    return failures.get(name(topic, partition, offset));
  }

  /** Records one more failure of the record. */
  public Failures recordFailure(String topic, int partition, long offset, Throwable error)
      throws IOException {
    String name = name(topic, partition, offset);
    Failures previous = failures.get(name);
    String summary = String.valueOf(error);
    if (summary.length() > MAX_ERROR_CHARS) {
      summary = summary.substring(0, MAX_ERROR_CHARS) + "...";
    }
    Failures now = new Failures(previous == null ? 1 : previous.count() + 1, summary);
    failures.put(name, now);
    if (dir != null) {
      FileSystem fs = dir.getFileSystem();
      fs.mkdirs(dir);
      try (OutputStream out = fs.create(new Path(dir, name), FileSystem.WriteMode.OVERWRITE)) {
        out.write((now.count() + "\n" + now.lastError()).getBytes(StandardCharsets.UTF_8));
      }
    }
    return now;
  }

  /** Forgets the record: it passed, or it has been dead-lettered for good. */
  public void forget(String topic, int partition, long offset) throws IOException {
    String name = name(topic, partition, offset);
    if (failures.remove(name) != null && dir != null) {
      dir.getFileSystem().delete(new Path(dir, name), false);
    }
  }

  private void load() throws IOException {
    if (dir == null) {
      return;
    }
    FileSystem fs = dir.getFileSystem();
    if (!fs.exists(dir)) {
      return;
    }
    FileStatus[] files = fs.listStatus(dir);
    if (files == null) {
      return;
    }
    for (FileStatus file : files) {
      String name = file.getPath().getName();
      if (!name.endsWith(SUFFIX)) {
        continue;
      }
      try (InputStream in = fs.open(file.getPath())) {
        String text = new String(in.readNBytes(4 * MAX_ERROR_CHARS), StandardCharsets.UTF_8);
        int newline = text.indexOf('\n');
        String count = newline < 0 ? text : text.substring(0, newline);
        failures.put(
            name,
            new Failures(
                Integer.parseInt(count.trim()), newline < 0 ? "" : text.substring(newline + 1)));
      } catch (IOException | NumberFormatException unreadable) {
        // A file cut short by a crash while it was written: that failure counts once.
        failures.put(name, new Failures(1, "(journal entry unreadable: " + unreadable + ")"));
      }
    }
  }

  // Topic names are [a-zA-Z0-9._-]: safe in file names on every file system we write to.
  private static String name(String topic, int partition, long offset) {
    return topic + "." + partition + "." + offset + SUFFIX;
  }
}
