package io.moc.embed;

import io.moc.avro.ItemEvent;
import io.moc.util.Sha256;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The text an item is embedded from, and a fingerprint of it.
 *
 * <p>The order (title, brand, category path, description) puts the most telling words first,
 * because the embedder truncates long texts at the end. Changing this composition changes every
 * fingerprint, and so re-embeds every item once.
 */
public final class ItemText {

  static final String FIELD_SEPARATOR = ". ";
  static final String CATEGORY_SEPARATOR = " > ";

  private ItemText() {}

  /**
   * Title, brand, categories joined by {@code " > "}, description, each stripped, joined by {@code
   * ". "}; null or blank parts are left out. Returns the empty string when every part is blank.
   */
  public static String compose(ItemEvent item) {
    Objects.requireNonNull(item, "item");
    List<String> parts = new ArrayList<>(4);
    addIfPresent(parts, item.getTitle());
    addIfPresent(parts, item.getBrand());
    addIfPresent(parts, categoryPath(item.getCategories()));
    addIfPresent(parts, item.getDescription());
    return String.join(FIELD_SEPARATOR, parts);
  }

  /**
   * SHA-256 (hex) of {@link #compose}: equal exactly when the composed texts are equal, so an item
   * whose fingerprint has not changed need not be embedded again by the same model.
   */
  public static String fingerprint(ItemEvent item) {
    return fingerprint(compose(item));
  }

  /** SHA-256 (hex) of {@code text} in UTF-8. */
  public static String fingerprint(String text) {
    return Sha256.hex(Objects.requireNonNull(text, "text"));
  }

  private static String categoryPath(List<String> categories) {
    if (categories == null) {
      return null;
    }
    List<String> names = new ArrayList<>(categories.size());
    for (String category : categories) {
      addIfPresent(names, category);
    }
    return String.join(CATEGORY_SEPARATOR, names);
  }

  private static void addIfPresent(List<String> parts, CharSequence value) {
    if (value != null) {
      String stripped = value.toString().strip();
      if (!stripped.isEmpty()) {
        parts.add(stripped);
      }
    }
  }
}
