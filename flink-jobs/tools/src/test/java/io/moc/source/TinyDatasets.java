package io.moc.source;

import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/** Small datasets in the formats of {@code ../shared/data}, written by tests into a folder. */
public final class TinyDatasets {

  private TinyDatasets() {}

  /** Writes {@code lines}, each followed by a newline, gzip-compressed. */
  public static void writeGzip(Path file, String... lines) throws IOException {
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file));
        Writer writer = new OutputStreamWriter(out, StandardCharsets.UTF_8)) {
      writer.write(String.join("\n", lines) + "\n");
    }
  }

  /**
   * An Amazon-format catalog as many real ones are: every brand "Unknown" and no categories, so
   * both side fields have one value (unknown) only. {@code items} items with distinct titles,
   * {@code users} users with 8 time-ordered interactions each, clicks preferring even items.
   */
  public static Path amazonWithoutSideFields(Path dir, int items, int users, long seed)
      throws IOException {
    String[] words = {"Rose", "Argan", "Mint", "Charcoal", "Aloe", "Vanilla", "Citrus", "Clay"};
    String[] kinds = {"serum", "shampoo", "lipstick", "cream", "soap"};
    List<String> itemLines = new ArrayList<>();
    itemLines.add("item_id\tasin\ttitle\tbrand\tcategories\tidgenrec_text_id\ts3rec_attribute_ids");
    for (int i = 1; i <= items; i++) {
      String title = words[i % words.length] + " " + kinds[(i / 8) % kinds.length] + " no. " + i;
      itemLines.add(
          i + "\tA" + i + "\t" + title + "\tUnknown\t\t" + title.toLowerCase() + "\t" + i);
    }
    writeGzip(dir.resolve("items.tsv.gz"), itemLines.toArray(String[]::new));
    Random random = new Random(seed);
    List<String> interactions = new ArrayList<>();
    interactions.add(
        "user_id\treviewer_id\titem_id\tasin\ttimestamp\tdays_since_user_first\tseq_pos");
    long time = 1000;
    for (int u = 1; u <= users; u++) {
      for (int n = 1; n <= 8; n++) {
        int item = 1 + random.nextInt(items);
        if (item % 2 == 1 && random.nextDouble() < 0.7) {
          item = item % items + 1;
        }
        time += 1 + random.nextInt(50);
        interactions.add(
            "u" + u + "\tR" + u + "\t" + item + "\tA" + item + "\t" + time + "\t0\t" + n);
      }
    }
    writeGzip(dir.resolve("interactions.tsv.gz"), interactions.toArray(String[]::new));
    return dir;
  }
}
