package io.moc.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moc.avro.ImpressionEvent;
import io.moc.avro.ItemEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SyntheticCatalogTest {

  private static List<SourceEvent> take(CatalogSource source, int n) {
    List<SourceEvent> events = new ArrayList<>(n);
    for (int i = 0; i < n && source.hasNext(); i++) {
      events.add(source.next());
    }
    return events;
  }

  @Test
  void shouldBeDeterministicForASeed() {
    List<SourceEvent> a = take(SyntheticCatalog.builder().seed(7).build(), 5_000);
    List<SourceEvent> b = take(SyntheticCatalog.builder().seed(7).build(), 5_000);
    List<SourceEvent> c = take(SyntheticCatalog.builder().seed(8).build(), 5_000);
    assertEquals(a, b);
    assertNotEquals(a, c);
  }

  @Test
  void shouldEmitEventsInEventTimeOrderFromTheStartTime() {
    Instant start = Instant.parse("2025-03-01T12:00:00Z");
    List<SourceEvent> events = take(SyntheticCatalog.builder().startTime(start).build(), 20_000);
    assertEquals(start.toEpochMilli(), events.get(0).eventTimeMs());
    for (int i = 1; i < events.size(); i++) {
      assertTrue(events.get(i - 1).eventTimeMs() <= events.get(i).eventTimeMs(), "at " + i);
    }
    for (SourceEvent e : events) {
      long avroTime =
          e instanceof SourceEvent.Item item
              ? item.item().getEventTime().toEpochMilli()
              : ((SourceEvent.Impression) e).impression().getEventTime().toEpochMilli();
      assertEquals(e.eventTimeMs(), avroTime);
    }
  }

  @Test
  void shouldProduceItemsAndImpressionsAtTheConfiguredRates() {
    SyntheticCatalog catalog =
        SyntheticCatalog.builder().itemsPerSecond(20).impressionsPerSecond(200).build();
    long start = Instant.parse("2024-01-01T00:00:00Z").toEpochMilli();
    long items = 0;
    long impressions = 0;
    SourceEvent e;
    while ((e = catalog.next()).eventTimeMs() < start + 1_000_000) {
      if (e instanceof SourceEvent.Item) {
        items++;
      } else {
        impressions++;
      }
    }
    // 1000 s of event time: about 20k item events and 200k impressions.
    assertEquals(20_000, items, 600);
    assertEquals(200_000, impressions, 2_000);
  }

  @Test
  void shouldOnlyShowItemsAlreadyPublished() {
    Set<String> published = new HashSet<>();
    for (SourceEvent e : take(SyntheticCatalog.builder().build(), 20_000)) {
      if (e instanceof SourceEvent.Item item) {
        published.add(item.key());
      } else {
        ImpressionEvent impression = ((SourceEvent.Impression) e).impression();
        assertTrue(published.contains(impression.getItemId()), impression.toString());
        assertEquals(impression.getUserId(), e.key());
      }
    }
  }

  @Test
  void shouldComposeItemsFromACategoryTreeAndVocabulary() {
    Set<String> leaves = new HashSet<>();
    Set<String> brands = new HashSet<>();
    for (SourceEvent e : take(SyntheticCatalog.builder().impressionsPerSecond(0).build(), 5_000)) {
      ItemEvent item = ((SourceEvent.Item) e).item();
      assertEquals(3, item.getCategories().size(), item.toString());
      assertTrue(item.getTitle().split(" ").length >= 4, item.getTitle());
      assertNotNull(item.getBrand());
      assertNotNull(item.getDescription());
      assertTrue(item.getPrice() > 0);
      leaves.add(String.join(" > ", item.getCategories()));
      brands.add(item.getBrand());
    }
    assertTrue(leaves.size() >= 30, "leaves: " + leaves.size());
    assertTrue(brands.size() >= 20, "brands: " + brands.size());
  }

  @Test
  void shouldRepublishUnchangedItemsAndChangeTitlesOccasionally() {
    Map<String, ItemEvent> latest = new HashMap<>();
    int itemEvents = 0;
    int republished = 0;
    int retitled = 0;
    for (SourceEvent e : take(SyntheticCatalog.builder().impressionsPerSecond(0).build(), 50_000)) {
      ItemEvent item = ((SourceEvent.Item) e).item();
      itemEvents++;
      ItemEvent previous = latest.put(item.getItemId(), item);
      if (previous == null) {
        continue;
      }
      ItemEvent sameTime = ItemEvent.newBuilder(item).setEventTime(previous.getEventTime()).build();
      if (sameTime.equals(previous)) {
        republished++;
      } else {
        ItemEvent sameTitle = ItemEvent.newBuilder(sameTime).setTitle(previous.getTitle()).build();
        assertEquals(previous, sameTitle, "only the title may change");
        assertNotEquals(previous.getTitle(), item.getTitle());
        retitled++;
      }
    }
    assertEquals(0.02, republished / (double) itemEvents, 0.004);
    assertEquals(0.01, retitled / (double) itemEvents, 0.003);
  }

  @Test
  void shouldMakeClicksDependOnUserItemAffinity() {
    SyntheticCatalog catalog = SyntheticCatalog.builder().seed(3).build();
    List<double[]> samples = new ArrayList<>(); // {affinity, clicked}
    for (SourceEvent e : take(catalog, 220_000)) {
      if (e instanceof SourceEvent.Impression i) {
        ImpressionEvent impression = i.impression();
        double affinity = catalog.affinity(impression.getUserId(), impression.getItemId());
        assertTrue(affinity >= -1.0001 && affinity <= 1.0001, "affinity " + affinity);
        samples.add(new double[] {affinity, impression.getClicked() ? 1 : 0});
      }
    }
    samples.sort(Comparator.comparingDouble(s -> s[0]));
    int quartile = samples.size() / 4;
    double bottom = clickRate(samples.subList(0, quartile));
    double top = clickRate(samples.subList(samples.size() - quartile, samples.size()));
    double overall = clickRate(samples);
    assertTrue(overall > 0.03 && overall < 0.4, "overall CTR " + overall);
    // Taste is one term of several (the item's own effects weigh more): still a strong one.
    assertTrue(top > 2 * bottom, "top-quartile CTR " + top + " vs bottom-quartile " + bottom);
  }

  @Test
  void shouldLetAnItemsTextRevealMoreOfItsClicksThanWhatOnlyItsIdCanLearn() {
    SyntheticCatalog catalog = SyntheticCatalog.builder().seed(4).build();
    List<Double> text = new ArrayList<>();
    List<Double> popularity = new ArrayList<>();
    List<Double> truth = new ArrayList<>();
    List<Float> clicks = new ArrayList<>();
    for (SourceEvent e : take(catalog, 110_000)) {
      if (e instanceof SourceEvent.Impression i) {
        String item = i.impression().getItemId();
        text.add(catalog.textEffect(item));
        popularity.add(catalog.popularity(item));
        truth.add(catalog.clickProbability(i.impression().getUserId(), item));
        clicks.add(i.impression().getClicked() ? 1f : 0f);
      }
    }
    double ctr = clicks.stream().mapToDouble(Float::doubleValue).average().orElseThrow();
    double textAuc = auc(text, clicks);
    double popularityAuc = auc(popularity, clicks);
    double oracle = catalog.oracleAuc();
    assertTrue(ctr > 0.05 && ctr < 0.3, "CTR " + ctr);
    // What the text says ranks clicks well on its own; the rest is what ids and tastes add.
    assertTrue(textAuc > 0.68, "text-only AUC " + textAuc);
    assertTrue(popularityAuc > 0.55 && popularityAuc < textAuc - 0.05, "id-only " + popularityAuc);
    assertTrue(oracle > textAuc + 0.03 && oracle < 0.9, "oracle AUC " + oracle);
    // The oracle window is the latest 20,000 impressions' true probabilities (those of retitled
    // items aside, whose title words changed).
    int n = truth.size();
    assertEquals(auc(truth.subList(n - 20_000, n), clicks.subList(n - 20_000, n)), oracle, 0.01);
  }

  private static double auc(List<Double> scores, List<Float> labels) {
    float[] l = new float[labels.size()];
    for (int i = 0; i < l.length; i++) {
      l[i] = labels.get(i);
    }
    return io.moc.ctr.metrics.Auc.of(scores.stream().mapToDouble(Double::doubleValue).toArray(), l);
  }

  @Test
  void shouldExposeTheClickModel() {
    SyntheticCatalog tasteOnly =
        SyntheticCatalog.builder()
            .clickBias(-1)
            .affinityScale(2)
            .itemEffectScale(0)
            .popularityScale(0)
            .userBiasScale(0)
            .build();
    double affinity = tasteOnly.affinity("user-5", "item-17");
    assertEquals(
        1 / (1 + Math.exp(1 - 2 * affinity)),
        tasteOnly.clickProbability("user-5", "item-17"),
        1e-12);
    // The item's terms, the same whatever the user.
    SyntheticCatalog catalog =
        SyntheticCatalog.builder().clickBias(-1).affinityScale(0).userBiasScale(0).build();
    double logit = -1 + catalog.textEffect("item-17") + 0.5 * catalog.popularity("item-17");
    assertEquals(1 / (1 + Math.exp(-logit)), catalog.clickProbability("user-5", "item-17"), 1e-12);
    assertEquals(
        catalog.clickProbability("user-5", "item-17"),
        catalog.clickProbability("user-6", "item-17"),
        1e-12);
    assertThrows(IllegalArgumentException.class, () -> catalog.affinity("user-5", "beauty:17"));
    assertThrows(IllegalArgumentException.class, () -> catalog.affinity("user-99999", "item-1"));
  }

  @Test
  void shouldRejectInvalidConfiguration() {
    assertThrows(
        IllegalArgumentException.class, () -> SyntheticCatalog.builder().itemsPerSecond(0).build());
    assertThrows(
        IllegalArgumentException.class,
        () -> SyntheticCatalog.builder().republishFraction(0.7).titleChangeFraction(0.5).build());
    assertThrows(IllegalArgumentException.class, () -> SyntheticCatalog.builder().users(0).build());
  }

  private static double clickRate(List<double[]> samples) {
    return samples.stream().mapToDouble(s -> s[1]).average().orElseThrow();
  }
}
