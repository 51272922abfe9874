package io.moc.training;

import io.moc.common.InputSettings;
import java.io.Serializable;

/**
 * The training job's settings, read once by {@link TrainingOptions#read} and shipped to functions.
 */
public record TrainingSettings(
    String bootstrapServers,
    String impressionsTopic,
    String itemCodesTopic,
    String deadLettersTopic,
    String ctrModelsTopic,
    String groupId,
    int maxPendingPerItem,
    long joinTimeoutMillis,
    OnlineModelSettings model,
    InputSettings input)
    implements Serializable {}
