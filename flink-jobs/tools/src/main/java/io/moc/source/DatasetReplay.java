package io.moc.source;

import io.moc.avro.ImpressionEvent;
import io.moc.avro.ItemEvent;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.Set;

/**
 * Replays a real dataset directory as a bounded stream in global event-time order.
 *
 * <p>The files are read by {@link Dataset}, whose format is detected from the files present:
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

  // The sampled negative is drawn at random among published items; with a catalog of thousands
  // of items and users who touch a few dozen, a handful of tries almost always succeeds.
  private static final int NEGATIVE_TRIES = 32;

  private final Path directory;
  private final Dataset.Format format;
  private final Map<String, Dataset.Item> catalog;
  private final List<Dataset.Interaction> interactions;
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
    this(directory, Dataset.read(directory), seed, maxInteractions);
  }

  /** Replays {@code dataset}, already read from {@code directory}. */
  public DatasetReplay(Path directory, Dataset dataset, long seed) {
    this(directory, dataset, seed, Integer.MAX_VALUE);
  }

  private DatasetReplay(Path directory, Dataset dataset, long seed, int maxInteractions) {
    if (maxInteractions < 0) {
      throw new IllegalArgumentException("maxInteractions must be >= 0: " + maxInteractions);
    }
    this.directory = directory;
    this.random = new Random(seed);
    this.format = dataset.format();
    this.catalog = dataset.items();
    List<Dataset.Interaction> all = dataset.interactions();
    interactedByUser = format == Dataset.Format.AMAZON_BEAUTY ? interactedByUser(all) : Map.of();
    interactions = all.size() > maxInteractions ? all.subList(0, maxInteractions) : all;
  }

  /** Every item of the dataset, whether or not it is ever interacted with. */
  public List<ItemEvent> items() {
    List<ItemEvent> items = new ArrayList<>(catalog.size());
    for (Dataset.Item item : catalog.values()) {
      items.add(item.toEvent());
    }
    return items;
  }

  public Dataset.Format format() {
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
        format == Dataset.Format.AMAZON_BEAUTY ? "Amazon Beauty" : "MovieLens 100K",
        directory,
        catalog.size(),
        interactions.size());
  }

  private void play(Dataset.Interaction interaction) {
    Instant time = Instant.ofEpochMilli(interaction.timeMs());
    if (published.add(interaction.itemId())) {
      publishedOrder.add(interaction.itemId());
      Dataset.Item item = catalog.get(interaction.itemId());
      if (item == null) {
        throw new IllegalStateException(
            "interaction refers to item " + interaction.itemId() + " missing from the item file");
      }
      ItemEvent event = item.toEvent();
      event.setEventTime(time);
      pending.add(SourceEvent.of(event));
    }
    pending.add(
        SourceEvent.of(
            impression(interaction.userId(), interaction.itemId(), time, interaction.clicked())));
    if (format == Dataset.Format.AMAZON_BEAUTY) {
      String negative = sampleNegative(interactedByUser.get(interaction.userId()));
      if (negative != null) {
        pending.add(SourceEvent.of(impression(interaction.userId(), negative, time, false)));
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

  private static Map<String, Set<String>> interactedByUser(List<Dataset.Interaction> interactions) {
    Map<String, Set<String>> byUser = new HashMap<>();
    for (Dataset.Interaction i : interactions) {
      byUser.computeIfAbsent(i.userId(), u -> new HashSet<>()).add(i.itemId());
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
}
