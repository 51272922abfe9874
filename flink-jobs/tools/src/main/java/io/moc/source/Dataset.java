package io.moc.source;

import io.moc.avro.ItemEvent;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * A real dataset directory (see {@code ../shared/data/README.md}) parsed into its items and its
 * interactions in time order; the one parser of those files, shared by the replay and the offline
 * CTR data.
 *
 * <p>Interactions with equal timestamps keep their file order. Amazon Beauty has no ratings, so
 * every interaction is {@code clicked}; a MovieLens rating is {@code clicked} when it is at least
 * 4.
 *
 * @param items by item id; a {@link HashMap} filled in file order, so its iteration order is the
 *     same from run to run
 */
public record Dataset(Format format, Map<String, Item> items, List<Interaction> interactions) {

  /** The dataset formats that can be read. */
  public enum Format {
    AMAZON_BEAUTY,
    MOVIELENS_100K
  }

  /**
   * One catalog item as the files describe it.
   *
   * @param brand null when unknown; MovieLens has no brands
   * @param categories the category path, most general first (Amazon), or the genres (MovieLens)
   * @param releaseYear MovieLens only, else null
   */
  public record Item(
      String id, String title, String brand, List<String> categories, String releaseYear) {

    /** The item as the pipeline publishes it, with an event time of the epoch. */
    public ItemEvent toEvent() {
      return ItemEvent.newBuilder()
          .setItemId(id)
          .setTitle(title)
          // The year goes into the embedded text, where a model can read it.
          .setDescription(releaseYear == null ? null : "released " + releaseYear)
          .setBrand(brand)
          .setCategories(categories)
          .setEventTime(Instant.EPOCH)
          .build();
    }
  }

  /** One user-item interaction; {@code timeMs} is epoch milliseconds. */
  public record Interaction(String userId, String itemId, long timeMs, boolean clicked) {}

  /** Reads the dataset in {@code directory}, whose format is {@link #detect detected}. */
  public static Dataset read(Path directory) throws IOException {
    Format format = detect(directory);
    Map<String, Item> items;
    List<Interaction> interactions;
    if (format == Format.AMAZON_BEAUTY) {
      items = readAmazonItems(directory.resolve("items.tsv.gz"));
      interactions = readAmazonInteractions(directory.resolve("interactions.tsv.gz"));
    } else {
      items = readMovieLensItems(directory.resolve("ml-100k.item"));
      interactions = readMovieLensInteractions(directory.resolve("ml-100k.inter.gz"));
    }
    // List.sort is stable, which keeps the file order among equal timestamps.
    interactions.sort(Comparator.comparingLong(Interaction::timeMs));
    return new Dataset(format, items, interactions);
  }

  /**
   * The format of the dataset in {@code directory}.
   *
   * @throws IllegalArgumentException if the directory holds neither format
   */
  public static Format detect(Path directory) {
    if (Files.isRegularFile(directory.resolve("items.tsv.gz"))
        && Files.isRegularFile(directory.resolve("interactions.tsv.gz"))) {
      return Format.AMAZON_BEAUTY;
    }
    if (Files.isRegularFile(directory.resolve("ml-100k.inter.gz"))
        && Files.isRegularFile(directory.resolve("ml-100k.item"))) {
      return Format.MOVIELENS_100K;
    }
    throw new IllegalArgumentException(
        directory
            + " is not a dataset directory: expected items.tsv.gz and interactions.tsv.gz"
            + " (Amazon Beauty) or ml-100k.inter.gz and ml-100k.item (MovieLens 100K)");
  }

  private static Map<String, Item> readAmazonItems(Path file) throws IOException {
    Map<String, Item> items = new HashMap<>();
    // item_id asin title brand categories idgenrec_text_id s3rec_attribute_ids
    for (String[] row : readTsv(file, true, 6)) {
      String title = row[2].isEmpty() ? row[5] : row[2];
      String brand = row[3].isEmpty() || row[3].equals("Unknown") ? null : row[3];
      List<String> categories = row[4].isEmpty() ? List.of() : Arrays.asList(row[4].split(" \\| "));
      items.put(row[0], new Item(row[0], title, brand, categories, null));
    }
    return items;
  }

  private static List<Interaction> readAmazonInteractions(Path file) throws IOException {
    List<Interaction> interactions = new ArrayList<>();
    // user_id reviewer_id item_id asin timestamp days_since_user_first seq_pos
    for (String[] row : readTsv(file, true, 5)) {
      interactions.add(new Interaction(row[0], row[2], millis(row[4]), true));
    }
    return interactions;
  }

  private static Map<String, Item> readMovieLensItems(Path file) throws IOException {
    Map<String, Item> items = new HashMap<>();
    // item_id movie_title release_year class
    for (String[] row : readTsv(file, false, 2)) {
      String year = row.length > 2 ? row[2].trim() : "";
      String genres = row.length > 3 ? row[3].trim() : "";
      List<String> categories = genres.isEmpty() ? List.of() : Arrays.asList(genres.split(" +"));
      items.put(row[0], new Item(row[0], row[1], null, categories, year.isEmpty() ? null : year));
    }
    return items;
  }

  private static List<Interaction> readMovieLensInteractions(Path file) throws IOException {
    List<Interaction> interactions = new ArrayList<>();
    // user_id item_id rating timestamp
    for (String[] row : readTsv(file, true, 4)) {
      interactions.add(
          new Interaction(row[0], row[1], millis(row[3]), Double.parseDouble(row[2]) >= 4));
    }
    return interactions;
  }

  // Timestamps are unix seconds, written as floats in the MovieLens export.
  private static long millis(String seconds) {
    return Math.round(Double.parseDouble(seconds) * 1000);
  }

  private static List<String[]> readTsv(Path file, boolean gzipped, int minColumns)
      throws IOException {
    List<String[]> rows = new ArrayList<>();
    try (InputStream raw = Files.newInputStream(file);
        InputStream in = gzipped ? new GZIPInputStream(raw, 1 << 16) : raw;
        BufferedReader reader =
            new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      reader.readLine(); // every file starts with a header row
      String line;
      int lineNumber = 1;
      while ((line = reader.readLine()) != null) {
        lineNumber++;
        if (line.isEmpty()) {
          continue;
        }
        String[] row = line.split("\t", -1);
        if (row.length < minColumns) {
          throw new IOException(
              file + ":" + lineNumber + ": expected at least " + minColumns + " columns");
        }
        rows.add(row);
      }
    }
    return rows;
  }
}
