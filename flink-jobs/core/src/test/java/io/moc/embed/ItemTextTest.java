package io.moc.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.moc.avro.ItemEvent;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ItemTextTest {

  private static ItemEvent.Builder item() {
    return ItemEvent.newBuilder().setItemId("item-1").setEventTime(Instant.ofEpochMilli(1_000L));
  }

  @Test
  void joinsTitleBrandCategoryPathAndDescriptionInThatOrder() {
    ItemEvent event =
        item()
            .setTitle("Hydrating Face Cream")
            .setDescription("A light cream for dry skin.")
            .setBrand("Nivea")
            .setCategories(List.of("Beauty", "Skin Care", "Face"))
            .build();

    assertEquals(
        "Hydrating Face Cream. Nivea. Beauty > Skin Care > Face. A light cream for dry skin.",
        ItemText.compose(event));
  }

  @Test
  void leavesOutNullAndBlankPartsAndStripsTheRest() {
    ItemEvent event =
        item()
            .setTitle("  Steel Hammer ")
            .setBrand("   ")
            .setCategories(Arrays.asList("Tools", " ", null, " Hand Tools"))
            .setDescription(null)
            .build();

    assertEquals("Steel Hammer. Tools > Hand Tools", ItemText.compose(event));
  }

  @Test
  void composesTheEmptyStringWhenThereIsNoText() {
    ItemEvent event = item().setCategories(List.of(" ")).build();

    assertEquals("", ItemText.compose(event));
  }

  @Test
  void startsWithTheDescriptionWhenItIsTheOnlyText() {
    ItemEvent event = item().setDescription("Only a description").build();

    assertEquals("Only a description", ItemText.compose(event));
  }

  @Test
  void fingerprintsTheComposedTextWithSha256() {
    ItemEvent event = item().setTitle("abc").build();

    assertEquals(
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        ItemText.fingerprint(event));
    assertEquals(ItemText.fingerprint(ItemText.compose(event)), ItemText.fingerprint(event));
  }

  @Test
  void keepsTheFingerprintWhenOnlyNonTextFieldsOrWhitespaceChange() {
    ItemEvent before = item().setTitle("Steel Hammer").setBrand("Acme").setPrice(9.99).build();
    ItemEvent after =
        item()
            .setItemId("item-1")
            .setTitle("Steel Hammer ")
            .setBrand("Acme")
            .setPrice(12.50)
            .setEventTime(Instant.ofEpochMilli(2_000L))
            .setEmbeddingModel("all-minilm-l6-v2-q")
            .build();

    assertEquals(ItemText.fingerprint(before), ItemText.fingerprint(after));
  }

  @Test
  void changesTheFingerprintWhenTheTextChanges() {
    ItemEvent before = item().setTitle("Steel Hammer").setBrand("Acme").build();

    assertNotEquals(
        ItemText.fingerprint(before),
        ItemText.fingerprint(item().setTitle("Steel Hammer").setBrand("Acme Tools").build()));
    assertNotEquals(
        ItemText.fingerprint(before),
        ItemText.fingerprint(
            item().setTitle("Steel Hammer").setBrand("Acme").setDescription("Heavy").build()));
    // Same words, different fields: the order in the composed text tells them apart.
    assertNotEquals(
        ItemText.fingerprint(before),
        ItemText.fingerprint(item().setTitle("Acme").setBrand("Steel Hammer").build()));
  }
}
