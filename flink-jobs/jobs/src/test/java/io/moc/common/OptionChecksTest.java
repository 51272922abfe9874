package io.moc.common;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moc.indexing.IndexingOptions;
import io.moc.training.TrainingOptions;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * One row per rule: a value just outside what the option allows fails the job's settings with the
 * key and the rule in the message, and the value at the edge is accepted. A negative duration is
 * already refused by Flink's parser (the key is in its message too); the checks behind it guard
 * configurations built in code. Both jobs read the whole configuration (the local stack and the
 * cluster hand them the same file), so each row is checked by the job that reads the key.
 */
class OptionChecksTest {

  private static void read(String job, Configuration config) {
    switch (job) {
      case "indexing" -> IndexingOptions.read(config);
      case "training" -> TrainingOptions.read(config);
      case "resources" -> SlotResources.read(config, "gpu");
      default -> throw new IllegalArgumentException(job);
    }
  }

  @ParameterizedTest(name = "{1} = {2} fails, {1} = {4} passes")
  @CsvSource(
      delimiter = '|',
      value = {
        "indexing | moc.embedding.model | minilm | must be one of [all-minilm-l6-v2-q, e5-small-v2-q] | e5-small-v2-q",
        "indexing | moc.embedding.dimension | 0 | must be at least 1 | 32",
        "indexing | moc.embedding.batch-size | 0 | must be at least 1 | 1",
        "indexing | moc.embedding.max-wait | -1 ms | Could not parse value | 0 ms",
        "indexing | moc.embedding.max-tokens | 0 | must be at least 1 | 1",
        "indexing | moc.embedding.slot-sharing-group | ' ' | must not be empty | gpu",
        "indexing | moc.embedding.parallelism | 0 | must be -1 | -1",
        "indexing | moc.codebook.method | mocc | must be one of [ | pq",
        "indexing | moc.codebook.bootstrap.method | kmean | must be empty or one of [ | ''",
        "indexing | moc.codebook.num-codebooks | 0 | must be in [1, 64] | 64",
        "indexing | moc.codebook.size | 1 | must be in [2, 65536] | 65536",
        "indexing | moc.codebook.projected-dimension | 385 | must be in [1, 384] | 384",
        "indexing | moc.codebook.train-after-items | 0 | must be at least 1 | 1",
        "indexing | moc.codebook.reservoir-size | 0 | must be at least 1 | 1",
        "indexing | moc.codebook.kmeans-iterations | 0 | must be at least 1 | 1",
        "indexing | moc.codebook.retrain-interval | -1 s | Could not parse value | 0 s",
        "indexing | moc.codebook.retrain-min-new-items | -1 | must be at least 0 | 0",
        "indexing | moc.codebook.drift.window | 0 | must be at least 1 | 1",
        "indexing | moc.codebook.drift.check-every | 0 | must be at least 1 | 1",
        "indexing | moc.codebook.drift.error-ratio | 0.99 | must be at least 1.0 | 1.0",
        "indexing | moc.codebook.drift.usage-ratio | 1.01 | must be in [0.0, 1.0] | 1.0",
        "indexing | moc.codebook.drift.collision-rise | -0.01 | must be in [0.0, 1.0] | 0.0",
        "indexing | moc.codebook.recode.chunk-items | 0 | must be at least 1 | 1",
        "indexing | moc.codebook.recode.chunk-time | -1 ms | Could not parse value | 0 ms",
        "indexing | moc.codebook.recode.threads | 0 | must be in [1, 64] | 64",
        "indexing | moc.indexing.item-codes.linger | -1 ms | Could not parse value | 0 ms",
        "indexing | moc.codebook.bootstrap.replace-after-items | -1 | must be at least 0 | 0",
        "indexing | moc.indexing.group-id | '' | must not be empty | g",
        "indexing | moc.input.items.max-record-size | 0 b | must be in [1 b, 2 gb) | 1 b",
        "indexing | moc.input.poison-pill.failures | 0 | must be at least 1 | 1",
        "training | moc.training.group-id | '' | must not be empty | g",
        "training | moc.training.join.max-pending-per-item | -1 | must be at least 0 | 0",
        "training | moc.training.join.timeout | 0 ms | must be at least | 1 ms",
        "training | moc.training.model-store | ' ' | must not be empty | file:///tmp/m",
        "training | moc.training.publish-interval | 0 ms | must be at least | 1 ms",
        "training | moc.training.full-snapshot-every | 0 | must be at least 1 | 1",
        "training | moc.training.retrain-interval | -1 s | Could not parse value | 0 s",
        "training | moc.training.retrain-epochs | 0 | must be at least 1 | 1",
        "training | moc.training.retrain-chunk-steps | 0 | must be at least 1 | 1",
        "training | moc.training.retrain-chunk-time | -1 ms | Could not parse value | 0 ms",
        "training | moc.training.batch-size | 0 | must be at least 1 | 1",
        "training | moc.training.window | 0 | must be at least 1 | 1",
        "training | moc.training.cold-start-age | -1 s | Could not parse value | 0 s",
        "training | moc.training.replay-capacity | 0 | must be at least 1 | 1",
        "training | moc.training.user-buckets | 0 | must be at least 1 | 1",
        "training | moc.training.item-buckets | 0 | must be at least 1 | 1",
        "training | moc.codebook.size | 65537 | must be in [2, 65536] | 2",
        "training | moc.training.embedding-dim | 0 | must be at least 1 | 1",
        "training | moc.training.promote-after | -1 | must be at least 0 | 0",
        "training | moc.training.learning-rate | 0 | must be in [ | 1.0",
        "training | moc.training.backbone | DCN | DCNV2 | deepfm",
        "training | moc.training.fusion | MLPP | MLP | mlp",
        "training | moc.input.impressions.max-record-size | 3 gb | must be in [1 b, 2 gb) | 16 kb",
        "resources | moc.resources.default.cpu-cores | 0 | must be at least | 0.1",
        "resources | moc.resources.gpu.cpu-cores | -1 | must be at least | 0.1",
        "resources | moc.resources.gpu.gpus | -1 | must be at least 0 | 0",
      })
  void shouldRefuseAValueOutsideItsRuleNamingTheKeyAndAcceptTheEdge(
      String job, String key, String bad, String rule, String edge) {
    Configuration config = new Configuration();
    config.setString(key, bad);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> read(job, config));
    String message = messages(e);
    assertTrue(message.contains(key), message);
    assertTrue(message.contains(rule), message);
    if (edge != null) {
      Configuration ok = new Configuration();
      ok.setString(key, edge);
      assertDoesNotThrow(() -> read(job, ok), key + " = " + edge);
    }
  }

  @Test
  void shouldAcceptTheDefaultsOfEveryJob() {
    assertDoesNotThrow(() -> read("indexing", new Configuration()));
    assertDoesNotThrow(() -> read("training", new Configuration()));
    assertDoesNotThrow(() -> read("resources", new Configuration()));
  }

  /** Flink wraps its own parse errors (an enum, a duration): the rule is in a cause. */
  private static String messages(Throwable e) {
    StringBuilder all = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      all.append(t.getMessage()).append(" | ");
    }
    return all.toString();
  }
}
