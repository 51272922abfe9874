package io.moc.training;

import io.moc.common.InputSettings;
import io.moc.kafka.KafkaConnection;
import java.io.Serializable;

/**
 * The training job's settings, read once by {@link TrainingOptions#read} and shipped to functions.
 *
 * @param trainerParallelism the CTR trainer's replicas (subtasks), each on its share of the
 *     examples
 * @param codebooksTopic where a CODE_VECTORS model's code vectors are read from
 */
public record TrainingSettings(
    KafkaConnection kafka,
    String impressionsTopic,
    String itemCodesTopic,
    String deadLettersTopic,
    String ctrModelsTopic,
    String groupId,
    int maxPendingPerItem,
    long joinTimeoutMillis,
    OnlineModelSettings model,
    InputSettings input,
    int trainerParallelism,
    String codebooksTopic)
    implements Serializable {

  public String bootstrapServers() {
    return kafka.bootstrapServers();
  }
}
