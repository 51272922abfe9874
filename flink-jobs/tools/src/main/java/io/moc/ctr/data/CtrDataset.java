package io.moc.ctr.data;

import io.moc.avro.ItemEvent;
import io.moc.embed.ItemText;
import io.moc.source.Dataset;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * CTR examples of a real dataset, split 80/10/10 by time, with the items of the train period and
 * the cold-start examples marked.
 *
 * <p>The protocol:
 *
 * <ul>
 *   <li><b>Time split.</b> The events (Amazon interactions, MovieLens ratings) are ordered by time,
 *       file order among equal times. The validation period starts at the time of the event at
 *       position {@code floor(0.8 n)}, the test period at that of position {@code floor(0.9 n)}; an
 *       event belongs to the latest period that has started at its time. Events tied with a
 *       boundary so all go to the later period, and every time of a period is strictly before every
 *       time of the next (the periods hold a little less or more than 80/10/10 when days are tied;
 *       the Amazon times are whole days).
 *   <li><b>Amazon Beauty.</b> Every interaction is a positive (label 1), followed by one sampled
 *       negative (label 0) at the same time and in the same split: an item drawn uniformly among
 *       those that exist at that time and that the user never interacts with, at any time. An item
 *       exists from its first interaction in the whole data (the data has no release dates; items
 *       first seen the same day count as existing), so no negative is an item before anyone could
 *       see it. Excluding the user's future interactions too keeps a later purchase from being
 *       labelled a non-click. A positive whose user has interacted with every existing item keeps
 *       no negative ({@link #unpairedPositives()}; only at the very start of the data). Category is
 *       the leaf of the category path: the root is "Beauty" for every item and tells nothing.
 *   <li><b>MovieLens 100K.</b> Every rating is one example, label 1 when the rating is at least 4;
 *       no negatives are sampled. Category is the first listed genre, brand is the release year (a
 *       movie has no brand; the year is the closest "maker" attribute and known before any rating),
 *       unknown when missing.
 *   <li><b>Vocabularies</b> hold every value of the whole dataset, numbered in order of first
 *       appearance in time (items never interacted with last, by id), so that every item's text and
 *       codes can be looked up by index, cold ones too. A model must not learn an ID embedding it
 *       could not have seen: {@link #inTrain} tells which items appear in the train split; the
 *       codebooks are trained on those only. A validation or test example whose item is not among
 *       them is <b>cold-start</b>.
 * </ul>
 *
 * <p>Deterministic for a dataset and a seed: negatives come from one {@link SplittableRandom} drawn
 * in time order.
 */
public final class CtrDataset {

  /** Most items a cold positive is ranked among, itself included (see {@link ColdQueries}). */
  public static final int COLD_CANDIDATES = 100;

  // Cold candidates come from a stream of their own, so that the sampled negatives stay as they
  // were before there were any.
  private static final long COLD_SEED = 0x636f6c64L;

  static final double TRAIN_FRACTION = 0.8;
  static final double VALID_FRACTION = 0.1;

  // Users touch a few dozen of thousands of items, so rejection almost always succeeds at once;
  // the tries only bound the rare case of a user who has touched most existing items.
  private static final int NEGATIVE_TRIES = 64;

  private final Dataset.Format format;
  private final long seed;
  private final Vocabulary users = new Vocabulary();
  private final Vocabulary items = new Vocabulary();
  private final Vocabulary brands = new Vocabulary();
  private final Vocabulary categories = new Vocabulary();
  private final List<Dataset.Item> catalog = new ArrayList<>();
  private final Map<Split, Examples> splits = new EnumMap<>(Split.class);
  private final Map<Split, ColdQueries> coldQueries = new EnumMap<>(Split.class);
  private final BitSet trainItems = new BitSet();
  private int[] itemBrands;
  private int[] itemCategories;
  private long[] itemFirstTimesMs;
  private int unpairedPositives;

  private CtrDataset(Dataset.Format format, long seed) {
    this.format = format;
    this.seed = seed;
    catalog.add(null);
  }

  /**
   * Reads the dataset in {@code directory} and builds its examples with negatives from {@code
   * seed}.
   */
  public static CtrDataset load(Path directory, long seed) throws IOException {
    return of(Dataset.read(directory), seed);
  }

  /** Builds the examples of {@code dataset}, sampling negatives (Amazon) with {@code seed}. */
  public static CtrDataset of(Dataset dataset, long seed) {
    CtrDataset ctr = new CtrDataset(dataset.format(), seed);
    ctr.build(dataset);
    return ctr;
  }

  private void build(Dataset dataset) {
    List<Dataset.Interaction> events = dataset.interactions();
    int n = events.size();
    int[] eventUsers = new int[n];
    int[] eventItems = new int[n];
    List<Long> firstTimes = new ArrayList<>();
    firstTimes.add(Long.MAX_VALUE);
    for (int e = 0; e < n; e++) {
      Dataset.Interaction event = events.get(e);
      eventUsers[e] = users.add(event.userId());
      int item = items.index(event.itemId());
      if (item == Vocabulary.UNKNOWN) {
        item = addItem(dataset, event.itemId());
        firstTimes.add(event.timeMs());
      }
      eventItems[e] = item;
    }
    dataset.items().keySet().stream()
        .filter(id -> items.index(id) == Vocabulary.UNKNOWN)
        .sorted()
        .forEach(
            id -> {
              addItem(dataset, id);
              firstTimes.add(Long.MAX_VALUE);
            });
    itemFirstTimesMs = firstTimes.stream().mapToLong(Long::longValue).toArray();
    itemBrands = new int[catalog.size()];
    itemCategories = new int[catalog.size()];
    for (int item = 1; item < catalog.size(); item++) {
      itemBrands[item] = brands.add(brand(catalog.get(item)));
      itemCategories[item] = categories.add(category(catalog.get(item)));
    }

    SplitTimes periods = splitTimes(events);
    Map<Split, Examples.Builder> builders = new EnumMap<>(Split.class);
    for (Split split : Split.values()) {
      builders.put(split, new Examples.Builder());
    }
    boolean sampleNegatives = format == Dataset.Format.AMAZON_BEAUTY;
    int[][] interactedByUser = sampleNegatives ? interactedByUser(eventUsers, eventItems) : null;
    SplittableRandom random = new SplittableRandom(seed);
    for (int e = 0; e < n; e++) {
      Dataset.Interaction event = events.get(e);
      long time = event.timeMs();
      Split split = periods.of(time);
      Examples.Builder examples = builders.get(split);
      examples.add(eventUsers[e], eventItems[e], time, event.clicked());
      if (split == Split.TRAIN) {
        trainItems.set(eventItems[e]);
      }
      if (sampleNegatives) {
        int negative = sampleNegative(interactedByUser[eventUsers[e]], time, random);
        if (negative == Vocabulary.UNKNOWN) {
          unpairedPositives++;
        } else {
          examples.add(eventUsers[e], negative, time, false);
          // Already a train item by existing at a train time; set for the definition's sake.
          if (split == Split.TRAIN) {
            trainItems.set(negative);
          }
        }
      }
    }
    for (Split split : Split.values()) {
      splits.put(split, builders.get(split).build(trainItems, itemBrands, itemCategories));
    }
    if (sampleNegatives) {
      buildColdQueries(interactedByUser);
    }
  }

  /**
   * For every validation and test positive on a cold item: the item, then up to {@link
   * #COLD_CANDIDATES} - 1 other cold items that exist at its time and that the user never touches,
   * uniformly drawn, in random order (the first is the positive's cold-vs-cold negative).
   */
  private void buildColdQueries(int[][] interactedByUser) {
    // Item indices follow first appearance: the cold items existing at a time are a prefix.
    int[] cold =
        IntStream.range(1, catalog.size())
            .filter(i -> !trainItems.get(i) && itemFirstTimesMs[i] != Long.MAX_VALUE)
            .toArray();
    SplittableRandom random = new SplittableRandom(seed ^ COLD_SEED);
    for (Split split : List.of(Split.VALID, Split.TEST)) {
      Examples ex = splits.get(split);
      Examples.Builder rows = new Examples.Builder();
      List<Integer> offsets = new ArrayList<>();
      offsets.add(0);
      int size = 0;
      for (int i = 0; i < ex.size(); i++) {
        if (ex.label(i) <= 0 || !ex.coldStart(i)) {
          continue;
        }
        int user = ex.user(i);
        long time = ex.timeMs(i);
        int prefix = upperBound(cold, existingItems(time));
        int[] chosen = coldCandidates(cold, prefix, interactedByUser[user], random);
        rows.add(user, ex.item(i), time, true);
        for (int c : chosen) {
          rows.add(user, c, time, false);
        }
        size += 1 + chosen.length;
        offsets.add(size);
      }
      coldQueries.put(
          split,
          new ColdQueries(
              rows.build(trainItems, itemBrands, itemCategories),
              offsets.stream().mapToInt(Integer::intValue).toArray()));
    }
  }

  // Cold items among cold[0, prefix) the user never touches (the positive among them), the first
  // COLD_CANDIDATES - 1 of a seeded shuffle.
  private static int[] coldCandidates(
      int[] cold, int prefix, int[] interacted, SplittableRandom random) {
    int[] eligible = new int[prefix];
    int count = 0;
    for (int k = 0; k < prefix; k++) {
      if (Arrays.binarySearch(interacted, cold[k]) < 0) {
        eligible[count++] = cold[k];
      }
    }
    int take = Math.min(count, COLD_CANDIDATES - 1);
    for (int k = 0; k < take; k++) {
      int j = k + random.nextInt(count - k);
      int swap = eligible[k];
      eligible[k] = eligible[j];
      eligible[j] = swap;
    }
    return Arrays.copyOf(eligible, take);
  }

  // The number of values in the ascending array that are <= limit.
  private static int upperBound(int[] ascending, int limit) {
    int low = 0;
    int high = ascending.length;
    while (low < high) {
      int mid = (low + high) >>> 1;
      if (ascending[mid] <= limit) {
        low = mid + 1;
      } else {
        high = mid;
      }
    }
    return low;
  }

  /**
   * When the validation and the test periods start.
   *
   * @param validStartMs the time of the event at position floor(0.8 n)
   * @param testStartMs the time of the event at position floor(0.9 n)
   */
  public record SplitTimes(long validStartMs, long testStartMs) {

    /** The period an event at {@code timeMs} belongs to: the latest that has started. */
    public Split of(long timeMs) {
      return timeMs < validStartMs ? Split.TRAIN : timeMs < testStartMs ? Split.VALID : Split.TEST;
    }
  }

  /**
   * The 80/10/10 periods of {@code events}, which are in time order (see the class comment); for
   * anything that must split a dataset's events exactly as this builder does, like a replay.
   */
  public static SplitTimes splitTimes(List<Dataset.Interaction> events) {
    int n = events.size();
    if (n == 0) {
      return new SplitTimes(Long.MAX_VALUE, Long.MAX_VALUE);
    }
    return new SplitTimes(
        events.get((int) (TRAIN_FRACTION * n)).timeMs(),
        events.get((int) ((TRAIN_FRACTION + VALID_FRACTION) * n)).timeMs());
  }

  private int addItem(Dataset dataset, String id) {
    Dataset.Item item = dataset.items().get(id);
    if (item == null) {
      throw new IllegalArgumentException(
          "interaction refers to item " + id + " missing from the item file");
    }
    catalog.add(item);
    return items.add(id);
  }

  private String brand(Dataset.Item item) {
    return format == Dataset.Format.MOVIELENS_100K ? item.releaseYear() : item.brand();
  }

  private String category(Dataset.Item item) {
    List<String> path = item.categories();
    if (path.isEmpty()) {
      return null;
    }
    return format == Dataset.Format.MOVIELENS_100K ? path.get(0) : path.get(path.size() - 1);
  }

  // Per user index, the sorted distinct item indices the user interacts with at any time.
  private int[][] interactedByUser(int[] eventUsers, int[] eventItems) {
    int[] counts = new int[users.size()];
    for (int user : eventUsers) {
      counts[user]++;
    }
    int[][] byUser = new int[users.size()][];
    for (int user = 0; user < byUser.length; user++) {
      byUser[user] = new int[counts[user]];
    }
    Arrays.fill(counts, 0);
    for (int e = 0; e < eventUsers.length; e++) {
      byUser[eventUsers[e]][counts[eventUsers[e]]++] = eventItems[e];
    }
    for (int user = 0; user < byUser.length; user++) {
      byUser[user] = Arrays.stream(byUser[user]).sorted().distinct().toArray();
    }
    return byUser;
  }

  // Uniform among the existing items the user never interacts with, or UNKNOWN when there is none.
  // Item indices follow first appearance, so the items existing at timeMs are 1..existing.
  private int sampleNegative(int[] interacted, long timeMs, SplittableRandom random) {
    int existing = existingItems(timeMs);
    if (existing == 0) {
      return Vocabulary.UNKNOWN;
    }
    for (int i = 0; i < NEGATIVE_TRIES; i++) {
      int candidate = 1 + random.nextInt(existing);
      if (Arrays.binarySearch(interacted, candidate) < 0) {
        return candidate;
      }
    }
    // Rejection failed: draw from the explicit list, which is uniform over the same set.
    int[] candidates = new int[existing];
    int count = 0;
    for (int candidate = 1; candidate <= existing; candidate++) {
      if (Arrays.binarySearch(interacted, candidate) < 0) {
        candidates[count++] = candidate;
      }
    }
    return count == 0 ? Vocabulary.UNKNOWN : candidates[random.nextInt(count)];
  }

  // The number of items whose first interaction is at or before timeMs.
  private int existingItems(long timeMs) {
    int low = 1;
    int high = itemFirstTimesMs.length;
    while (low < high) {
      int mid = (low + high) >>> 1;
      if (itemFirstTimesMs[mid] <= timeMs) {
        low = mid + 1;
      } else {
        high = mid;
      }
    }
    return low - 1;
  }

  public Dataset.Format format() {
    return format;
  }

  public long seed() {
    return seed;
  }

  public Vocabulary users() {
    return users;
  }

  public Vocabulary items() {
    return items;
  }

  /** Amazon brands; MovieLens release years. */
  public Vocabulary brands() {
    return brands;
  }

  /** Amazon leaf categories; MovieLens first genres. */
  public Vocabulary categories() {
    return categories;
  }

  public Examples examples(Split split) {
    return splits.get(split);
  }

  /**
   * The cold-vs-cold queries of the validation or test split (see {@link ColdQueries}); null for a
   * dataset without sampled negatives, or for the train split.
   */
  public ColdQueries coldQueries(Split split) {
    return coldQueries.get(split);
  }

  public Examples train() {
    return examples(Split.TRAIN);
  }

  public Examples valid() {
    return examples(Split.VALID);
  }

  public Examples test() {
    return examples(Split.TEST);
  }

  /** Whether {@code item} appears in a train example: what codebooks may be trained on. */
  public boolean inTrain(int item) {
    return trainItems.get(item);
  }

  /** A copy of the set of item indices that appear in the train split. */
  public BitSet trainItems() {
    return (BitSet) trainItems.clone();
  }

  public int trainItemCount() {
    return trainItems.cardinality();
  }

  /** The brand index of {@code item}; {@link Vocabulary#UNKNOWN} when it has none. */
  public int itemBrand(int item) {
    return itemBrands[item];
  }

  /** The category index of {@code item}; {@link Vocabulary#UNKNOWN} when it has none. */
  public int itemCategory(int item) {
    return itemCategories[item];
  }

  /**
   * The time {@code item} exists from: its first interaction (epoch milliseconds), or {@link
   * Long#MAX_VALUE} for an item nobody interacts with.
   */
  public long existsFromMs(int item) {
    return itemFirstTimesMs[item];
  }

  /** The item as the indexing pipeline sees it (title, brand, categories, description). */
  public ItemEvent itemEvent(int item) {
    if (item == Vocabulary.UNKNOWN) {
      throw new IllegalArgumentException("no item at the unknown index");
    }
    return catalog.get(item).toEvent();
  }

  /** The text the item is embedded from, composed as the indexing pipeline composes it. */
  public String itemText(int item) {
    return ItemText.compose(itemEvent(item));
  }

  /** Amazon positives left without a negative because their user had touched every item. */
  public int unpairedPositives() {
    return unpairedPositives;
  }

  /** One line per split with its sizes and cold-start share, for logs and reports. */
  public String describe() {
    StringBuilder out =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "%s seed %d: %d users, %d items (%d in train), %d brands, %d categories,"
                    + " %d unpaired positives%n",
                format,
                seed,
                users.size() - 1,
                items.size() - 1,
                trainItemCount(),
                brands.size() - 1,
                categories.size() - 1,
                unpairedPositives));
    for (Split split : Split.values()) {
      Examples examples = examples(split);
      int coldPositives = 0;
      for (int i = 0; i < examples.size(); i++) {
        coldPositives += examples.coldStart(i) && examples.label(i) > 0 ? 1 : 0;
      }
      out.append(
          String.format(
              Locale.ROOT,
              "  %-5s %7d examples, %6d positives (%.4f), cold-start %6d (%.4f; %d positives),"
                  + " times %d..%d%n",
              split,
              examples.size(),
              examples.positives(),
              (double) examples.positives() / Math.max(1, examples.size()),
              examples.coldStartCount(),
              (double) examples.coldStartCount() / Math.max(1, examples.size()),
              coldPositives,
              examples.minTimeMs() / 1000,
              examples.maxTimeMs() / 1000));
    }
    return out.toString();
  }
}
