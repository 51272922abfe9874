package io.moc.ctr.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moc.avro.ItemEvent;
import io.moc.ctr.data.CtrDataset;
import io.moc.ctr.data.Split;
import io.moc.ctr.model.CtrBatch;
import io.moc.ctr.model.CtrModel;
import io.moc.ctr.model.CtrModelConfig;
import io.moc.ctr.model.CtrModelConfig.Backbone;
import io.moc.embed.TextModel;
import io.moc.source.DatasetReplay;
import io.moc.source.SourceEvent;
import io.moc.source.TinyDatasets;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A catalog whose brand and category fields hold one value (unknown) only, as many real ones. */
class SingleValuedSideFieldsTest {

  @TempDir Path dir;

  @Test
  void shouldTrainAModelWhoseBrandAndCategoryFieldsHaveOnlyTheUnknownValue() throws Exception {
    CtrDataset data = CtrDataset.load(TinyDatasets.amazonWithoutSideFields(dir, 40, 30, 1), 1);
    assertEquals(1, data.brands().size(), "only the unknown brand");
    assertEquals(1, data.categories().size(), "only the unknown category");
    CtrFeatures features = new CtrFeatures(data, null, null, 8);
    CtrModelConfig config =
        features
            .fields(CtrModelConfig.builder(), 8)
            .representation(CtrModelConfig.ItemRepresentation.NONE)
            .build();
    try (CtrModel model = CtrModel.create(config, 1)) {
      CtrBatch train = features.batch(Split.TRAIN, null, 0, data.train().size());
      float loss = model.trainStep(train);
      assertTrue(Float.isFinite(loss), "loss " + loss);
      for (float p : model.predict(features.batch(Split.TEST, null, 0, data.test().size()))) {
        assertTrue(p > 0 && p < 1, "probability " + p);
      }
    }
  }

  @Test
  void shouldEvaluateNoneAndMocOnACatalogWithoutBrandsOrCategories() throws Exception {
    Path data = TinyDatasets.amazonWithoutSideFields(dir, 40, 30, 2);
    EvaluationGrid.Settings settings =
        new EvaluationGrid.Settings(
            data,
            List.of(Backbone.DEEPFM),
            List.of(EvalMethod.named("none"), EvalMethod.named("moc")),
            List.of(2),
            1,
            8,
            8,
            List.of(16),
            64,
            1,
            1,
            1e-3f,
            0,
            0.1,
            0,
            1,
            TextModel.ALL_MINILM_L6_V2_Q,
            dir.resolve("cache"));
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    List<EvaluationGrid.Cell> cells =
        new EvaluationGrid(
                settings,
                dir.resolve("cells.jsonl"),
                new PrintStream(log, true, StandardCharsets.UTF_8))
            .run();
    assertEquals(2, cells.size(), log.toString(StandardCharsets.UTF_8));
    for (EvaluationGrid.Cell cell : cells) {
      assertTrue(cell.testAuc() >= 0 && cell.testAuc() <= 1, cell.toString());
    }
  }

  @Test
  void shouldReplayItemsWithoutBrandOrCategoriesForTheLocalStack() throws Exception {
    List<ItemEvent> items = new ArrayList<>();
    int impressions = 0;
    try (DatasetReplay replay =
        new DatasetReplay(TinyDatasets.amazonWithoutSideFields(dir, 40, 30, 3), 1)) {
      while (replay.hasNext()) {
        SourceEvent e = replay.next();
        if (e instanceof SourceEvent.Item i) {
          items.add(i.item());
        } else {
          impressions++;
        }
      }
    }
    // Every item somebody interacted with (the replay publishes an item before its first one).
    assertTrue(items.size() > 30 && items.size() <= 40, items.size() + " items");
    assertTrue(impressions >= 240, "every interaction, and sampled negatives: " + impressions);
    for (ItemEvent item : items) {
      assertNull(item.getBrand(), "Unknown is no brand: " + item);
      assertTrue(item.getCategories() == null || item.getCategories().isEmpty(), item.toString());
      assertTrue(item.getTitle() != null && !item.getTitle().isBlank(), item.toString());
    }
  }
}
