package io.moc.ctr.data;

import static io.moc.source.SharedData.dataset;
import static io.moc.source.TinyDatasets.writeGzip;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moc.source.Dataset;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CtrDatasetTest {

  private static final int BEAUTY_INTERACTIONS = 198_502;
  private static final int MOVIELENS_RATINGS = 100_000;

  // The real datasets are read once per JVM: each build takes a second or two.
  private static Dataset beautyRaw;
  private static CtrDataset beauty;
  private static CtrDataset movieLens;

  private static synchronized Dataset beautyRaw() throws IOException {
    if (beautyRaw == null) {
      beautyRaw = Dataset.read(dataset("amazon-beauty"));
    }
    return beautyRaw;
  }

  private static synchronized CtrDataset beauty() throws IOException {
    if (beauty == null) {
      beauty = CtrDataset.of(beautyRaw(), 1);
      System.out.print(beauty.describe());
    }
    return beauty;
  }

  private static synchronized CtrDataset movieLens() throws IOException {
    if (movieLens == null) {
      movieLens = CtrDataset.load(dataset("movielens-100k"), 1);
      System.out.print(movieLens.describe());
    }
    return movieLens;
  }

  private static Map<String, Set<String>> interactedByUser(Dataset data) {
    Map<String, Set<String>> byUser = new HashMap<>();
    for (Dataset.Interaction i : data.interactions()) {
      byUser.computeIfAbsent(i.userId(), u -> new HashSet<>()).add(i.itemId());
    }
    return byUser;
  }

  private static Map<String, Long> firstInteractionMs(Dataset data) {
    Map<String, Long> first = new HashMap<>();
    for (Dataset.Interaction i : data.interactions()) {
      first.merge(i.itemId(), i.timeMs(), Math::min);
    }
    return first;
  }

  private static int total(CtrDataset data) {
    int total = 0;
    for (Split split : Split.values()) {
      total += data.examples(split).size();
    }
    return total;
  }

  // Checks what must hold for any dataset: time order within and across splits, the train item
  // set, the cold-start flags and the per-item features of every example.
  private static void assertLeakFree(CtrDataset data) {
    long previous = Long.MIN_VALUE;
    for (Split split : Split.values()) {
      Examples examples = data.examples(split);
      if (split != Split.TRAIN && examples.size() > 0) {
        assertTrue(
            previous < examples.minTimeMs(),
            split + " starts at " + examples.minTimeMs() + ", not after the previous split");
      }
      for (int i = 0; i < examples.size(); i++) {
        assertTrue(previous <= examples.timeMs(i), split + " out of time order at " + i);
        previous = examples.timeMs(i);
        assertEquals(data.itemBrand(examples.item(i)), examples.brand(i));
        assertEquals(data.itemCategory(examples.item(i)), examples.category(i));
        assertTrue(examples.user(i) > 0 && examples.item(i) > 0, "unknown user or item");
        assertEquals(
            split != Split.TRAIN && !data.inTrain(examples.item(i)),
            examples.coldStart(i),
            split + " example " + i + " cold-start flag");
      }
    }
    BitSet trainItems = new BitSet();
    Examples train = data.train();
    for (int i = 0; i < train.size(); i++) {
      trainItems.set(train.item(i));
    }
    assertEquals(trainItems, data.trainItems(), "train items are exactly the items of train");
  }

  @Test
  void shouldNeverSampleANegativeTheUserInteractedWith() throws IOException {
    CtrDataset data = beauty();
    Map<String, Set<String>> interacted = interactedByUser(beautyRaw());
    int negatives = 0;
    for (Split split : Split.values()) {
      Examples examples = data.examples(split);
      for (int i = 0; i < examples.size(); i++) {
        Set<String> ofUser = interacted.get(data.users().value(examples.user(i)));
        String item = data.items().value(examples.item(i));
        if (examples.label(i) == 0f) {
          negatives++;
          assertFalse(ofUser.contains(item), "negative the user interacts with: " + item);
        } else {
          assertTrue(ofUser.contains(item), "positive that is no interaction: " + item);
        }
      }
    }
    assertEquals(BEAUTY_INTERACTIONS - data.unpairedPositives(), negatives);
  }

  @Test
  void shouldNeverSampleANegativeBeforeItsItemExists() throws IOException {
    CtrDataset data = beauty();
    Map<String, Long> firstMs = firstInteractionMs(beautyRaw());
    for (Split split : Split.values()) {
      Examples examples = data.examples(split);
      for (int i = 0; i < examples.size(); i++) {
        String item = data.items().value(examples.item(i));
        assertEquals(firstMs.get(item), data.existsFromMs(examples.item(i)));
        assertTrue(
            firstMs.get(item) <= examples.timeMs(i),
            "item " + item + " used at " + examples.timeMs(i) + " before it exists");
      }
    }
  }

  @Test
  void shouldPairAlmostEveryBeautyPositiveWithOneNegativeForBalancedLabels() throws IOException {
    CtrDataset data = beauty();
    int positives = 0;
    for (Split split : Split.values()) {
      positives += data.examples(split).positives();
    }
    assertEquals(BEAUTY_INTERACTIONS, positives);
    // Only the very first days lack a negative: a user who touched every item then existing.
    assertTrue(data.unpairedPositives() < 10, "unpaired: " + data.unpairedPositives());
    assertEquals(0.5, (double) positives / total(data), 1e-4);
    for (Split split : Split.values()) {
      Examples examples = data.examples(split);
      assertEquals(0.5, (double) examples.positives() / examples.size(), 1e-3, split.name());
    }
  }

  @Test
  void shouldSplitBeautyEightyTenTenByTimeWithoutLeaks() throws IOException {
    CtrDataset data = beauty();
    assertLeakFree(data);
    assertEquals(0.8, data.train().positives() / (double) BEAUTY_INTERACTIONS, 0.01);
    assertEquals(0.1, data.valid().positives() / (double) BEAUTY_INTERACTIONS, 0.01);
    assertEquals(0.1, data.test().positives() / (double) BEAUTY_INTERACTIONS, 0.01);
    // Every item first interacted with after train began cannot be a train item.
    Map<String, Long> firstMs = firstInteractionMs(beautyRaw());
    long validStart = data.valid().minTimeMs();
    for (int item = 1; item < data.items().size(); item++) {
      boolean existsInTrain = firstMs.get(data.items().value(item)) < validStart;
      assertEquals(existsInTrain, data.inTrain(item), "item " + data.items().value(item));
    }
    assertTrue(data.test().coldStartCount() > 0, "the test period has new items");
  }

  @Test
  void shouldPutEveryExampleInThePeriodThatSplitTimesGivesItsTime() throws IOException {
    CtrDataset data = beauty();
    CtrDataset.SplitTimes periods = CtrDataset.splitTimes(beautyRaw().interactions());
    for (Split split : Split.values()) {
      Examples ex = data.examples(split);
      for (int e = 0; e < ex.size(); e++) {
        assertEquals(split, periods.of(ex.timeMs(e)), split + " example " + e);
      }
    }
    assertEquals(data.valid().minTimeMs(), periods.validStartMs());
    assertEquals(data.test().minTimeMs(), periods.testStartMs());
  }

  @Test
  void shouldBeDeterministicForASeedAndSampleOtherNegativesForAnotherSeed() throws IOException {
    CtrDataset a = beauty();
    CtrDataset b = CtrDataset.of(beautyRaw(), 1);
    CtrDataset c = CtrDataset.of(beautyRaw(), 2);
    int differing = 0;
    for (Split split : Split.values()) {
      Examples x = a.examples(split);
      Examples y = b.examples(split);
      Examples z = c.examples(split);
      assertEquals(x.size(), y.size());
      for (int i = 0; i < x.size(); i++) {
        assertEquals(x.item(i), y.item(i));
        assertEquals(x.user(i), y.user(i));
        assertEquals(x.timeMs(i), y.timeMs(i));
        assertEquals(x.coldStart(i), y.coldStart(i));
      }
      assertArrayEquals(x.labels(), y.labels());
      for (int i = 0; i < Math.min(x.size(), z.size()); i++) {
        differing += x.item(i) != z.item(i) ? 1 : 0;
      }
    }
    assertTrue(differing > BEAUTY_INTERACTIONS / 2, "negatives differing by seed: " + differing);
    // The split and the train items do not depend on the negatives.
    assertEquals(a.trainItems(), c.trainItems());
  }

  @Test
  void shouldUseTheLeafCategoryAndTheBrandOfBeautyItems() throws IOException {
    CtrDataset data = beauty();
    int opi = data.items().index("1");
    assertEquals("OPI", data.brands().value(data.itemBrand(opi)));
    assertEquals("Nail Polish", data.categories().value(data.itemCategory(opi)));
    assertTrue(data.itemText(opi).startsWith("OPI Nail Lacquer, Simmer and Shimmer"));
    int unknownBrand = data.items().index("3");
    assertEquals(Vocabulary.UNKNOWN, data.itemBrand(unknownBrand), "brand Unknown is unknown");
    int noCategories = data.items().index("305");
    assertEquals(Vocabulary.UNKNOWN, data.itemCategory(noCategories));
    assertEquals(12_101, data.items().size() - 1);
    assertEquals(22_363, data.users().size() - 1);
  }

  @Test
  void shouldLabelMovieLensRatingsOfFourOrMoreAsClicks() throws IOException {
    CtrDataset data = movieLens();
    Map<String, Double> ratings = new HashMap<>();
    Path file = dataset("movielens-100k").resolve("ml-100k.inter.gz");
    try (BufferedReader reader =
        new BufferedReader(
            new InputStreamReader(
                new GZIPInputStream(Files.newInputStream(file)), StandardCharsets.UTF_8))) {
      // user_id item_id rating timestamp; a user rates a movie at most once.
      reader
          .lines()
          .skip(1)
          .map(l -> l.split("\t"))
          .forEach(r -> ratings.put(r[0] + "/" + r[1], Double.parseDouble(r[2])));
    }
    assertEquals(MOVIELENS_RATINGS, ratings.size());
    int positives = 0;
    for (Split split : Split.values()) {
      Examples examples = data.examples(split);
      for (int i = 0; i < examples.size(); i++) {
        String key =
            data.users().value(examples.user(i)) + "/" + data.items().value(examples.item(i));
        assertEquals(ratings.get(key) >= 4 ? 1f : 0f, examples.label(i), key);
      }
      positives += examples.positives();
    }
    assertEquals(MOVIELENS_RATINGS, total(data), "one example per rating, no sampled negatives");
    assertEquals(55_375, positives);
    assertEquals(0, data.unpairedPositives());
  }

  @Test
  void shouldSplitMovieLensEightyTenTenByTimeWithoutLeaks() throws IOException {
    CtrDataset data = movieLens();
    assertLeakFree(data);
    // Second-precision times: the boundaries move the split by a handful of ratings at most.
    assertEquals(80_000, data.train().size(), 10);
    assertEquals(10_000, data.valid().size(), 10);
    assertEquals(10_000, data.test().size(), 10);
    int toyStory = data.items().index("1");
    assertEquals("1995", data.brands().value(data.itemBrand(toyStory)), "brand is the year");
    assertEquals("Animation", data.categories().value(data.itemCategory(toyStory)));
    assertEquals(
        "Toy Story. Animation > Children's > Comedy. released 1995", data.itemText(toyStory));
  }

  // A hand-checked Amazon-format dataset: 10 interactions, so the validation period starts at
  // position 8 (time 800, tied with position 7, which joins it) and the test period at position 9
  // (time 900). Ties keep the file order: u2's interaction at 800 comes before u3's.
  // Every sampled negative is forced: each user has at most one candidate at each time.
  @Test
  void shouldBuildAHandCheckedTinyAmazonDataset(@TempDir Path dir) throws IOException {
    writeGzip(
        dir.resolve("items.tsv.gz"),
        "item_id\tasin\ttitle\tbrand\tcategories\tidgenrec_text_id\ts3rec_attribute_ids",
        "1\tA1\tRed lipstick\tAcme\tBeauty | Makeup | Lips\tred lipstick\t1",
        "2\tA2\tBlue shampoo\tAcme\tBeauty | Hair Care | Shampoo\tblue shampoo\t2",
        "3\tA3\tGreen soap\tSoapCo\tBeauty | Bath | Soap\tgreen soap\t3",
        "4\tA4\tNew serum\tSerumCo\tBeauty | Skin Care | Serum\tnew serum\t4",
        "5\tA5\tNewer cream\tUnknown\tBeauty | Skin Care | Cream\tnewer cream\t5",
        "6\tA6\t\tUnknown\t\tnever sold\t6");
    writeGzip(
        dir.resolve("interactions.tsv.gz"),
        "user_id\treviewer_id\titem_id\tasin\ttimestamp\tdays_since_user_first\tseq_pos",
        "u1\tR1\t1\tA1\t100\t0\t1",
        "u1\tR1\t3\tA3\t600\t0\t2",
        "u1\tR1\t2\tA2\t700\t0\t3",
        "u1\tR1\t5\tA5\t900\t0\t4",
        "u2\tR2\t2\tA2\t200\t0\t1",
        "u2\tR2\t1\tA1\t400\t0\t2",
        "u2\tR2\t4\tA4\t800\t0\t3",
        "u3\tR3\t3\tA3\t300\t0\t1",
        "u3\tR3\t1\tA1\t500\t0\t2",
        "u3\tR3\t4\tA4\t800\t0\t3");
    CtrDataset data = CtrDataset.load(dir, 7);
    assertLeakFree(data);
    // (user, item, time seconds, label) per split; u1 at 100, u2 at 200, u1 at 600 and 700 find
    // no existing item they never touch, so they keep no negative.
    assertEquals(
        List.of(
            "u1 1 100 1",
            "u2 2 200 1",
            "u3 3 300 1",
            "u3 2 300 0",
            "u2 1 400 1",
            "u2 3 400 0",
            "u3 1 500 1",
            "u3 2 500 0",
            "u1 3 600 1",
            "u1 2 700 1"),
        rows(data, Split.TRAIN));
    assertEquals(
        List.of("u2 4 800 1", "u2 3 800 0", "u3 4 800 1", "u3 2 800 0"), rows(data, Split.VALID));
    assertEquals(List.of("u1 5 900 1", "u1 4 900 0"), rows(data, Split.TEST));
    assertEquals(4, data.unpairedPositives());
    assertEquals(Set.of("1", "2", "3"), itemIds(data, data.trainItems()));
    assertEquals(List.of(true, false, true, false), coldStart(data.valid()));
    assertEquals(List.of(true, true), coldStart(data.test()));
    // Vocabularies: first appearance in time, the never-sold item last; Unknown and an empty
    // path are unknown.
    assertEquals(List.of("1", "2", "3", "4", "5", "6"), values(data.items()));
    assertEquals(List.of("u1", "u2", "u3"), values(data.users()));
    assertEquals(List.of("Acme", "SoapCo", "SerumCo"), values(data.brands()));
    assertEquals(List.of("Lips", "Shampoo", "Soap", "Serum", "Cream"), values(data.categories()));
    int neverSold = data.items().index("6");
    assertEquals(Long.MAX_VALUE, data.existsFromMs(neverSold));
    assertEquals(Vocabulary.UNKNOWN, data.itemBrand(neverSold));
    assertEquals(Vocabulary.UNKNOWN, data.itemCategory(neverSold));
    assertEquals(
        "never sold", data.itemText(neverSold), "an empty title falls back to the short text");
    assertEquals(Vocabulary.UNKNOWN, data.items().index("no such item"));
    assertNull(data.items().value(Vocabulary.UNKNOWN));
  }

  @Test
  void shouldBuildAHandCheckedTinyMovieLensDataset(@TempDir Path dir) throws IOException {
    writeGzip(
        dir.resolve("ml-100k.inter.gz"),
        "user_id:token\titem_id:token\trating:float\ttimestamp:float",
        "1\t10\t5\t100",
        "2\t10\t3\t200",
        "1\t20\t4\t300",
        "3\t10\t1\t400",
        "2\t20\t2\t500",
        "3\t20\t5\t600",
        "1\t30\t4\t700",
        "2\t30\t3\t800",
        "3\t40\t5\t900",
        "1\t40\t1\t1000");
    Files.writeString(
        dir.resolve("ml-100k.item"),
        String.join(
            "\n",
            "item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq",
            "10\tOld Film\t1950\tDrama Romance",
            "20\tSequel\t1990\tAction",
            "30\tNew Film\t1995\tSci-Fi Action",
            "40\tNo Year\t\t",
            "50\tUnrated\t1999\tComedy"),
        StandardCharsets.UTF_8);
    CtrDataset data = CtrDataset.load(dir, 7);
    assertLeakFree(data);
    assertEquals(
        List.of(
            "1 10 100 1",
            "2 10 200 0",
            "1 20 300 1",
            "3 10 400 0",
            "2 20 500 0",
            "3 20 600 1",
            "1 30 700 1",
            "2 30 800 0"),
        rows(data, Split.TRAIN));
    assertEquals(List.of("3 40 900 1"), rows(data, Split.VALID));
    assertEquals(List.of("1 40 1000 0"), rows(data, Split.TEST));
    assertEquals(Set.of("10", "20", "30"), itemIds(data, data.trainItems()));
    assertEquals(List.of(true), coldStart(data.valid()));
    assertEquals(List.of(true), coldStart(data.test()));
    assertEquals(List.of("1950", "1990", "1995", "1999"), values(data.brands()));
    assertEquals(List.of("Drama", "Action", "Sci-Fi", "Comedy"), values(data.categories()));
    assertEquals(Vocabulary.UNKNOWN, data.itemBrand(data.items().index("40")));
    assertEquals(Vocabulary.UNKNOWN, data.itemCategory(data.items().index("40")));
  }

  @Test
  void shouldRejectAnInteractionWithAnItemMissingFromTheItemFile(@TempDir Path dir)
      throws IOException {
    writeGzip(
        dir.resolve("ml-100k.inter.gz"),
        "user_id:token\titem_id:token\trating:float\ttimestamp:float",
        "1\t99\t5\t100");
    Files.writeString(dir.resolve("ml-100k.item"), "item_id:token\tmovie_title:token_seq\n");
    assertThrows(IllegalArgumentException.class, () -> CtrDataset.load(dir, 1));
  }

  private static List<String> rows(CtrDataset data, Split split) {
    Examples examples = data.examples(split);
    List<String> rows = new ArrayList<>();
    for (int i = 0; i < examples.size(); i++) {
      rows.add(
          data.users().value(examples.user(i))
              + " "
              + data.items().value(examples.item(i))
              + " "
              + examples.timeMs(i) / 1000
              + " "
              + (int) examples.label(i));
    }
    return rows;
  }

  private static List<Boolean> coldStart(Examples examples) {
    List<Boolean> flags = new ArrayList<>();
    for (int i = 0; i < examples.size(); i++) {
      flags.add(examples.coldStart(i));
    }
    return flags;
  }

  private static Set<String> itemIds(CtrDataset data, BitSet items) {
    Set<String> ids = new HashSet<>();
    items.stream().forEach(i -> ids.add(data.items().value(i)));
    return ids;
  }

  private static List<String> values(Vocabulary vocabulary) {
    List<String> values = new ArrayList<>();
    for (int i = 1; i < vocabulary.size(); i++) {
      values.add(vocabulary.value(i));
    }
    return values;
  }
}
