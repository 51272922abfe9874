package io.moc.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WarmStartCodesTest {

  private static List<String> items(int n) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add("item-" + i);
    }
    return ids;
  }

  @Test
  void shouldKeepAtMostItsCapacityPerVersionWhateverTheCatalogsSize() {
    WarmStartCodes codes = new WarmStartCodes(100);
    for (String id : items(5000)) {
      codes.put(1, id, new int[] {1});
      codes.put(2, id, new int[] {2});
    }

    assertEquals(100, codes.of(1).size());
    assertEquals(100, codes.of(2).size());
  }

  @Test
  void shouldKeepTheSameItemsUnderEveryVersionInWhateverOrderTheyArrive() {
    WarmStartCodes codes = new WarmStartCodes(50);
    List<String> ids = items(2000);
    for (String id : ids) {
      codes.put(1, id, new int[] {1});
    }
    Collections.shuffle(ids, new Random(3));
    for (String id : ids) {
      codes.put(2, id, new int[] {2});
    }

    assertEquals(codes.of(1).keySet(), codes.of(2).keySet(), "a warm start maps every kept item");
  }

  @Test
  void shouldReplaceTheCodesOfAKeptItemAndMakeRoomWhenOneIsDeleted() {
    WarmStartCodes codes = new WarmStartCodes(2);
    codes.put(1, "a", new int[] {1});
    codes.put(1, "b", new int[] {2});
    codes.put(1, "a", new int[] {3});
    assertArrayEquals(new int[] {3}, codes.of(1).get("a"));
    assertEquals(2, codes.of(1).size());

    codes.remove("a");
    assertFalse(codes.of(1).containsKey("a"));
    codes.put(1, "c", new int[] {4});
    assertTrue(codes.of(1).containsKey("c"), "the deleted item's room is taken");
  }

  @Test
  void shouldForgetRetiredVersionsAndListWhatItKeeps() throws Exception {
    WarmStartCodes codes = new WarmStartCodes(10);
    codes.put(1, "a", new int[] {1});
    codes.put(2, "a", new int[] {2});
    codes.put(3, "b", new int[] {3});

    codes.removeUpTo(2);

    assertTrue(codes.of(1).isEmpty());
    assertTrue(codes.of(2).isEmpty());
    Set<String> listed = new HashSet<>();
    codes.forEach((version, itemId, c) -> listed.add(version + "/" + itemId + "/" + c[0]));
    assertEquals(Set.of("3/b/3"), listed);
    assertEquals(1, codes.size());
    assertThrows(IllegalArgumentException.class, () -> new WarmStartCodes(0));
  }
}
