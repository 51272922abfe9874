package io.moc.ctr.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moc.ctr.model.CtrModelConfig.Backbone;
import io.moc.ctr.model.CtrModelConfig.Fusion;
import io.moc.testing.OneTorchThread;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

@ExtendWith(OneTorchThread.class)
class CtrModelLearningTest {

  private static final CtrTestData DATA = CtrTestData.generate(3072, 0.05, 9);

  private static final int TRAIN = 2048;

  @ParameterizedTest
  @EnumSource(Backbone.class)
  void everyBackboneLearnsAClickRuleCarriedByACodeField(Backbone backbone) {
    CtrModelConfig config =
        CtrTestData.config()
            .backbone(backbone)
            .fusion(Fusion.GATE)
            .embeddingDim(8)
            .mlpSizes(32, 16)
            .learningRate(1e-2f)
            .build();
    try (CtrModel model = CtrModel.create(config, 1)) {
      double before = auc(model, 0, TRAIN);
      int batch = 128;
      for (int step = 0; step < 200; step++) {
        int from = (step * batch) % TRAIN;
        model.trainStep(DATA.batch(from, from + batch));
      }
      double train = auc(model, 0, TRAIN);
      double heldOut = auc(model, TRAIN, DATA.labels.length);
      String report = backbone + ": AUC before " + before + ", train " + train + ", held out ";
      assertTrue(train > 0.8, report + heldOut);
      // Later impressions of the same items: the rule was learnt, not only the training clicks.
      assertTrue(heldOut > 0.8, report + heldOut);
      // The same impressions with the item id unknown, as for a new item: the codes carry it.
      CtrBatch held = DATA.batch(TRAIN, DATA.labels.length);
      int[][] cold = new int[held.size()][];
      for (int i = 0; i < cold.length; i++) {
        cold[i] = held.fields()[i].clone();
        cold[i][1] = 0;
        cold[i][2] = 0;
      }
      double coldStart = CtrTestData.auc(model.predict(CtrBatch.of(cold, null)), held.labels());
      assertTrue(coldStart > 0.8, report + heldOut + ", cold start " + coldStart);
    }
  }

  private static double auc(CtrModel model, int from, int to) {
    CtrBatch batch = DATA.batch(from, to);
    return CtrTestData.auc(model.predict(batch), batch.labels());
  }
}
