package io.moc.source;

import io.moc.avro.ImpressionEvent;
import io.moc.avro.ItemEvent;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/**
 * Replays a real dataset directory as a bounded stream in global event-time order.
 *
 * <p>The format is detected from the files present:
 *
 * <ul>
 *   <li>Amazon Beauty ({@code items.tsv.gz} and {@code interactions.tsv.gz}): the data has no
 *       ratings and every interaction is a positive, so each one becomes a clicked impression
 *       followed, at the same time, by one sampled negative: an unclicked impression of a random
 *       item that is already published at that time and that the user never interacts with anywhere
 *       in the dataset (the usual CTR protocol for this data). The exclusion is over the user's
 *       interactions in the whole file, future ones included, even when only the first {@code
 *       maxInteractions} are replayed: an item the user buys later is not a negative now.
 *   <li>MovieLens 100K ({@code ml-100k.inter.gz} and {@code ml-100k.item}): every rating becomes
 *       exactly one impression of the rated movie, clicked when the rating is at least 4 and
 *       unclicked otherwise (ratings 1 to 3 are the negatives). No negatives are sampled, so the
 *       replay holds as many impressions as the file holds ratings.
 * </ul>
 *
 * <p>An item is published the first time it appears in an interaction, with that interaction's
 * time, just before the interaction's impression; items never interacted with are never published.
 * Interactions with equal timestamps keep their file order. The whole dataset is loaded in the
 * constructor (the larger one, Beauty, has about 200k interactions).
 */
public final class DatasetReplay implements CatalogSource {

  /** The dataset formats this class can read. */
  public enum Format {
    AMAZON_BEAUTY,
    MOVIELENS_100K
  }

  // The sampled negative is drawn at random among published items; with a catalog of thousands
  // of items and users who touch a few dozen, a handful of tries almost always succeeds.
  private static final int NEGATIVE_TRIES = 32;

  private final Path directory;
  private final Format format;
  private final Map<String, ItemEvent> catalog;
  private final List<Interaction> interactions;
  private final Random random;
  private final Set<String> published = new HashSet<>();
  private final List<String> publishedOrder = new ArrayList<>();
  // Amazon only: per user, every item the user interacts with anywhere in the file.
  private final Map<String, Set<String>> interactedByUser;
  private final ArrayDeque<SourceEvent> pending = new ArrayDeque<>();
  private int nextInteraction;
  private long impressionSeq;

  /** Replays the whole dataset in {@code directory}, sampling negatives with {@code seed}. */
  public DatasetReplay(Path directory, long seed) throws IOException {
    this(directory, seed, Integer.MAX_VALUE);
  }

  /**
   * Replays the first {@code maxInteractions} interactions, in time order, of the dataset in {@code
   * directory}.
   */
  public DatasetReplay(Path directory, long seed, int maxInteractions) throws IOException {
    if (maxInteractions < 0) {
      throw new IllegalArgumentException("maxInteractions must be >= 0: " + maxInteractions);
    }
    this.directory = directory;
    this.format = detect(directory);
    this.random = new Random(seed);
    List<Interaction> all;
    if (format == Format.AMAZON_BEAUTY) {
      catalog = readAmazonItems(directory.resolve("items.tsv.gz"));
      all = readAmazonInteractions(directory.resolve("interactions.tsv.gz"));
    } else {
      catalog = readMovieLensItems(directory.resolve("ml-100k.item"));
      all = readMovieLensInteractions(directory.resolve("ml-100k.inter.gz"));
    }
    // List.sort is stable, which keeps the file order among equal timestamps.
    all.sort(Comparator.comparingLong(Interaction::timeMs));
    interactedByUser = format == Format.AMAZON_BEAUTY ? interactedByUser(all) : Map.of();
    interactions = all.size() > maxInteractions ? all.subList(0, maxInteractions) : all;
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

  /** Every item of the dataset, whether or not it is ever interacted with. */
  public List<ItemEvent> items() {
    return new ArrayList<>(catalog.values());
  }

  public Format format() {
    return format;
  }

  /** Number of interactions this replay will play, each one a clicked or unclicked impression. */
  public int interactionCount() {
    return interactions.size();
  }

  @Override
  public boolean hasNext() {
    return !pending.isEmpty() || nextInteraction < interactions.size();
  }

  @Override
  public SourceEvent next() {
    if (pending.isEmpty()) {
      if (nextInteraction >= interactions.size()) {
        throw new NoSuchElementException();
      }
      play(interactions.get(nextInteraction++));
    }
    return pending.poll();
  }

  @Override
  public String describe() {
    return String.format(
        Locale.ROOT,
        "%s replay of %s (%d items, %d interactions)",
        format == Format.AMAZON_BEAUTY ? "Amazon Beauty" : "MovieLens 100K",
        directory,
        catalog.size(),
        interactions.size());
  }

  private void play(Interaction interaction) {
    Instant time = Instant.ofEpochMilli(interaction.timeMs);
    if (published.add(interaction.itemId)) {
      publishedOrder.add(interaction.itemId);
      ItemEvent item = catalog.get(interaction.itemId);
      if (item == null) {
        throw new IllegalStateException(
            "interaction refers to item " + interaction.itemId + " missing from the item file");
      }
      pending.add(SourceEvent.of(ItemEvent.newBuilder(item).setEventTime(time).build()));
    }
    pending.add(
        SourceEvent.of(
            impression(interaction.userId, interaction.itemId, time, interaction.clicked)));
    if (format == Format.AMAZON_BEAUTY) {
      String negative = sampleNegative(interactedByUser.get(interaction.userId));
      if (negative != null) {
        pending.add(SourceEvent.of(impression(interaction.userId, negative, time, false)));
      }
    }
  }

  // A random published item not in interacted, or null when every published item is in it, which
  // happens only near the very start of the replay.
  private String sampleNegative(Set<String> interacted) {
    int n = publishedOrder.size();
    for (int i = 0; i < NEGATIVE_TRIES; i++) {
      String candidate = publishedOrder.get(random.nextInt(n));
      if (!interacted.contains(candidate)) {
        return candidate;
      }
    }
    int offset = random.nextInt(n);
    for (int i = 0; i < n; i++) {
      String candidate = publishedOrder.get((offset + i) % n);
      if (!interacted.contains(candidate)) {
        return candidate;
      }
    }
    return null;
  }

  private static Map<String, Set<String>> interactedByUser(List<Interaction> interactions) {
    Map<String, Set<String>> byUser = new HashMap<>();
    for (Interaction i : interactions) {
      byUser.computeIfAbsent(i.userId, u -> new HashSet<>()).add(i.itemId);
    }
    return byUser;
  }

  private ImpressionEvent impression(String userId, String itemId, Instant time, boolean clicked) {
    return ImpressionEvent.newBuilder()
        .setImpressionId(userId + "-" + itemId + "-" + impressionSeq++)
        .setUserId(userId)
        .setItemId(itemId)
        .setEventTime(time)
        .setClicked(clicked)
        .build();
  }

  private static Map<String, ItemEvent> readAmazonItems(Path file) throws IOException {
    Map<String, ItemEvent> items = new HashMap<>();
    // item_id asin title brand categories idgenrec_text_id s3rec_attribute_ids
    for (String[] row : readTsv(file, true, 6)) {
      String title = row[2].isEmpty() ? row[5] : row[2];
      String brand = row[3].isEmpty() || row[3].equals("Unknown") ? null : row[3];
      List<String> categories = row[4].isEmpty() ? List.of() : Arrays.asList(row[4].split(" \\| "));
      items.put(row[0], item(row[0], title, null, brand, categories));
    }
    return items;
  }

  private static List<Interaction> readAmazonInteractions(Path file) throws IOException {
    List<Interaction> interactions = new ArrayList<>();
    // user_id reviewer_id item_id asin timestamp days_since_user_first seq_pos
    for (String[] row : readTsv(file, true, 5)) {
      interactions.add(new Interaction(row[0], row[2], seconds(row[4]), true));
    }
    return interactions;
  }

  private static Map<String, ItemEvent> readMovieLensItems(Path file) throws IOException {
    Map<String, ItemEvent> items = new HashMap<>();
    // item_id movie_title release_year class
    for (String[] row : readTsv(file, false, 2)) {
      String year = row.length > 2 ? row[2].trim() : "";
      String genres = row.length > 3 ? row[3].trim() : "";
      List<String> categories = genres.isEmpty() ? List.of() : Arrays.asList(genres.split(" +"));
      items.put(
          row[0],
          item(row[0], row[1], year.isEmpty() ? null : "released " + year, null, categories));
    }
    return items;
  }

  private static List<Interaction> readMovieLensInteractions(Path file) throws IOException {
    List<Interaction> interactions = new ArrayList<>();
    // user_id item_id rating timestamp
    for (String[] row : readTsv(file, true, 4)) {
      interactions.add(
          new Interaction(row[0], row[1], seconds(row[3]), Double.parseDouble(row[2]) >= 4));
    }
    return interactions;
  }

  private static ItemEvent item(
      String id, String title, String description, String brand, List<String> categories) {
    return ItemEvent.newBuilder()
        .setItemId(id)
        .setTitle(title)
        .setDescription(description)
        .setBrand(brand)
        .setCategories(categories)
        .setEventTime(Instant.EPOCH)
        .build();
  }

  // Timestamps are unix seconds, written as floats in the MovieLens export.
  private static long seconds(String value) {
    return Math.round(Double.parseDouble(value) * 1000);
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

  private record Interaction(String userId, String itemId, long timeMs, boolean clicked) {}
}
