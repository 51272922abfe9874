package io.moc.ctr.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moc.ctr.data.CtrDataset;
import io.moc.ctr.data.Examples;
import io.moc.ctr.data.Split;
import io.moc.ctr.data.Vocabulary;
import io.moc.ctr.model.CtrBatch;
import io.moc.ctr.model.CtrModelConfig;
import io.moc.source.SharedData;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class CtrFeaturesTest {

  private static CtrDataset data;

  @BeforeAll
  static void load() throws Exception {
    data = CtrDataset.load(SharedData.dataset("movielens-100k"), 1);
  }

  /** Two made-up codes per item, shifted as ItemFeatures shifts them. */
  private static int[][] codes() {
    int[][] codes = new int[data.items().size()][];
    codes[Vocabulary.UNKNOWN] = new int[2];
    for (int i = 1; i < codes.length; i++) {
      codes[i] = new int[] {1 + i % 5, 1 + i % 7};
    }
    return codes;
  }

  @Test
  void shouldMapItemsAndUsersUnseenInTrainingToTheUnknownIndexButKeepTheirCodes() {
    CtrFeatures features = new CtrFeatures(data, codes(), null, 50);
    Examples test = data.test();
    CtrBatch batch = features.batch(Split.TEST, null, 0, test.size());
    Set<Integer> trainUsers = new HashSet<>();
    for (int i = 0; i < data.train().size(); i++) {
      trainUsers.add(data.train().user(i));
    }
    int cold = 0;
    for (int e = 0; e < test.size(); e++) {
      int[] row = batch.fields()[e];
      int item = test.item(e);
      assertEquals(trainUsers.contains(test.user(e)) ? test.user(e) : 0, row[0]);
      if (test.coldStart(e)) {
        cold++;
        assertEquals(Vocabulary.UNKNOWN, row[1], "a cold item has no id embedding");
        assertEquals(Vocabulary.UNKNOWN, row[2], "nor a hashed one");
      } else {
        assertEquals(item, row[1]);
        assertTrue(row[2] >= 1 && row[2] <= 50, "a bucket in [1, 50]: " + row[2]);
      }
      assertArrayEquals(new int[] {1 + item % 5, 1 + item % 7}, new int[] {row[5], row[6]});
      assertEquals(test.label(e), batch.labels()[e]);
    }
    assertTrue(cold > 0, "MovieLens' test split has cold-start items");
  }

  @Test
  void shouldDescribeExactlyTheFieldsItsBatchesCarry() {
    CtrFeatures features = new CtrFeatures(data, codes(), null, 50);
    CtrModelConfig config =
        features
            .fields(CtrModelConfig.builder(), 7)
            .representation(CtrModelConfig.ItemRepresentation.CODES)
            .build();
    CtrBatch batch = features.batch(Split.TRAIN, null, 0, 10);
    assertEquals(config.fields().size(), batch.fields()[0].length);
    for (int[] row : batch.fields()) {
      for (int f = 0; f < row.length; f++) {
        assertTrue(row[f] >= 0 && row[f] < config.fields().get(f).vocabularySize());
      }
    }
  }

  @Test
  void shouldSpreadItemsOverEveryHashBucket() {
    CtrFeatures features = new CtrFeatures(data, null, null, 64);
    Set<Integer> used = new HashSet<>();
    for (int item = 1; item < data.items().size(); item++) {
      used.add(features.bucket(item));
    }
    assertEquals(64, used.size());
  }
}
