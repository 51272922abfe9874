package io.moc.source;

import static io.moc.source.SharedData.dataset;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moc.avro.ImpressionEvent;
import io.moc.avro.ItemEvent;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetReplayTest {

  private static List<SourceEvent> drain(CatalogSource source) {
    List<SourceEvent> events = new ArrayList<>();
    while (source.hasNext()) {
      events.add(source.next());
    }
    return events;
  }

  private static long dataRows(Path gzipped) throws IOException {
    try (BufferedReader reader =
        new BufferedReader(
            new InputStreamReader(
                new GZIPInputStream(Files.newInputStream(gzipped)), StandardCharsets.UTF_8))) {
      return reader.lines().skip(1).filter(l -> !l.isEmpty()).count();
    }
  }

  /** Per user, every item the user interacts with anywhere in an Amazon interactions file. */
  private static Map<String, Set<String>> interactedByUser(Path interactionsFile)
      throws IOException {
    Map<String, Set<String>> byUser = new HashMap<>();
    try (BufferedReader reader =
        new BufferedReader(
            new InputStreamReader(
                new GZIPInputStream(Files.newInputStream(interactionsFile)),
                StandardCharsets.UTF_8))) {
      // user_id reviewer_id item_id ...
      reader
          .lines()
          .skip(1)
          .filter(l -> !l.isEmpty())
          .map(l -> l.split("\t", -1))
          .forEach(row -> byUser.computeIfAbsent(row[0], u -> new HashSet<>()).add(row[2]));
    }
    return byUser;
  }

  /**
   * Checks the invariants every replay must keep and returns the clicked and unclicked impression
   * counts and the number of published items.
   *
   * @param interactedInFile when not null, every unclicked impression must be of an item its user
   *     interacts with nowhere in the file (sampled negatives)
   */
  private static long[] checkReplay(
      List<SourceEvent> events, Map<String, Set<String>> interactedInFile) {
    Set<String> published = new HashSet<>();
    Set<String> impressionIds = new HashSet<>();
    long clicked = 0;
    long unclicked = 0;
    long previousTime = Long.MIN_VALUE;
    for (SourceEvent e : events) {
      assertTrue(previousTime <= e.eventTimeMs(), "event time went backwards at " + e);
      previousTime = e.eventTimeMs();
      if (e instanceof SourceEvent.Item item) {
        assertTrue(published.add(item.key()), "item published twice: " + item.key());
        assertEquals(item.eventTimeMs(), item.item().getEventTime().toEpochMilli());
        continue;
      }
      ImpressionEvent impression = ((SourceEvent.Impression) e).impression();
      assertTrue(
          published.contains(impression.getItemId()),
          "impression before its item was published: " + impression);
      assertTrue(impressionIds.add(impression.getImpressionId()), "duplicate impression id");
      assertEquals(e.eventTimeMs(), impression.getEventTime().toEpochMilli());
      if (impression.getClicked()) {
        clicked++;
        if (interactedInFile != null) {
          assertTrue(
              interactedInFile
                  .getOrDefault(impression.getUserId(), Set.of())
                  .contains(impression.getItemId()),
              "click that is no interaction of the file: " + impression);
        }
      } else {
        unclicked++;
        if (interactedInFile != null) {
          assertFalse(
              interactedInFile
                  .getOrDefault(impression.getUserId(), Set.of())
                  .contains(impression.getItemId()),
              "negative for an item the user interacts with somewhere in the file: " + impression);
        }
      }
    }
    return new long[] {clicked, unclicked, published.size()};
  }

  @Test
  void shouldReplayAmazonBeautyWithOneNeverInteractedNegativePerInteraction() throws IOException {
    Path dir = dataset("amazon-beauty");
    long rows = dataRows(dir.resolve("interactions.tsv.gz"));
    DatasetReplay replay = new DatasetReplay(dir, 1);
    assertEquals(Dataset.Format.AMAZON_BEAUTY, replay.format());
    assertEquals(rows, replay.interactionCount());

    List<SourceEvent> events = drain(replay);
    long[] counts = checkReplay(events, interactedByUser(dir.resolve("interactions.tsv.gz")));
    assertEquals(rows, counts[0], "one clicked impression per interaction");
    // Only the very first interactions can lack a negative: the user interacts with every item
    // published so far.
    assertTrue(counts[1] >= rows - 10 && counts[1] <= rows, "unclicked: " + counts[1]);
    assertEquals(12_101, counts[2], "every item of the 5-core data is interacted with");
  }

  @Test
  void shouldMapAmazonItemFields() throws IOException {
    Map<String, ItemEvent> items = new HashMap<>();
    for (SourceEvent e : drain(new DatasetReplay(dataset("amazon-beauty"), 1))) {
      if (e instanceof SourceEvent.Item item) {
        items.put(item.key(), item.item());
      }
    }
    ItemEvent opi = items.get("1");
    assertEquals("OPI Nail Lacquer, Simmer and Shimmer, 0.5-Fluid Ounce", opi.getTitle());
    assertEquals("OPI", opi.getBrand());
    assertEquals(List.of("Beauty", "Makeup", "Nails", "Nail Polish"), opi.getCategories());
    assertNull(items.get("3").getBrand(), "brand Unknown maps to null");
    ItemEvent untitled = items.get("305");
    assertEquals("nail art polish gold metallic foil sticker patch wraps", untitled.getTitle());
    assertNull(untitled.getBrand());
    assertEquals(List.of(), untitled.getCategories());
    for (ItemEvent item : items.values()) {
      assertNotNull(item.getTitle());
      assertFalse(item.getTitle().isBlank(), item.getItemId());
    }
  }

  @Test
  void shouldReplayMovieLensWithClicksForHighRatings() throws IOException {
    Path dir = dataset("movielens-100k");
    DatasetReplay replay = new DatasetReplay(dir, 1);
    assertEquals(Dataset.Format.MOVIELENS_100K, replay.format());
    List<SourceEvent> events = drain(replay);
    long[] counts = checkReplay(events, null);
    assertEquals(100_000, counts[0] + counts[1], "one impression per rating");
    assertEquals(55_375, counts[0], "ratings of 4 or 5");
    assertEquals(1_682, counts[2]);

    ItemEvent toyStory =
        events.stream()
            .filter(e -> e instanceof SourceEvent.Item && e.key().equals("1"))
            .map(e -> ((SourceEvent.Item) e).item())
            .findFirst()
            .orElseThrow();
    assertEquals("Toy Story", toyStory.getTitle());
    assertEquals("released 1995", toyStory.getDescription());
    assertEquals(List.of("Animation", "Children's", "Comedy"), toyStory.getCategories());
    assertNull(toyStory.getBrand());
  }

  @Test
  void shouldBeDeterministicForASeedAndLimitInteractions() throws IOException {
    Path dir = dataset("amazon-beauty");
    List<SourceEvent> a = drain(new DatasetReplay(dir, 5, 2_000));
    List<SourceEvent> b = drain(new DatasetReplay(dir, 5, 2_000));
    List<SourceEvent> c = drain(new DatasetReplay(dir, 6, 2_000));
    assertEquals(a, b);
    assertNotEquals(a, c, "negatives are sampled with the seed");
    // Negatives exclude the user's later interactions too, beyond the replayed 2,000.
    assertEquals(2_000, checkReplay(a, interactedByUser(dir.resolve("interactions.tsv.gz")))[0]);
  }

  @Test
  void shouldRejectADirectoryWithoutADataset(@TempDir Path empty) {
    assertThrows(IllegalArgumentException.class, () -> new DatasetReplay(empty, 1));
  }
}
