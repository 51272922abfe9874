package io.moc.local;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.moc.audit.Audit;
import io.moc.ctr.eval.OfflineComparison;
import java.util.Map;
import java.util.Set;

/**
 * The report of a {@code bin/moc local} (or cluster feed) run, as {@code --report} writes it:
 * snake_case keys in this order. Records and keys are named as such (an item published twice is two
 * records of one key); an AUC is null rather than NaN (not JSON) while undefined.
 *
 * @param error null unless the run failed (first, so that nobody reads a failed run's figures as a
 *     result)
 * @param codebookVersion the newest version items are coded with: never one validation rejected
 * @param oracleAuc the click model's own AUC on the latest impressions: the most a model could
 *     reach
 * @param audit what {@code bin/moc audit} found at the end; absent when it did not run
 * @param offlineComparison {@code --compare-offline}'s result; absent without it
 */
public record RunReport(
    String error,
    int brokerRestarts,
    String source,
    double durationS,
    long itemsPublishedRecords,
    long itemsPublishedKeys,
    long impressionsPublished,
    long itemsCodedKeys,
    long itemCodesRecords,
    long deadLetters,
    Map<String, Long> deadLettersByReason,
    long codebookVersion,
    Set<Long> codebookVersionsRejected,
    long feederResentRecords,
    long feederUnsentRecords,
    long codesLatencyMsP50,
    long codesLatencyMsP99,
    long codesLatencySamples,
    double codesPerS,
    long modelVersion,
    long modelSnapshots,
    long modelCodebookVersion,
    long examplesTrained,
    Double prequentialAuc,
    Double coldStartAuc,
    Double controlPrequentialAuc,
    Double controlColdStartAuc,
    Double coldStartAucLift,
    Double oracleAuc,
    @JsonInclude(JsonInclude.Include.NON_NULL) Audit.Report audit,
    @JsonInclude(JsonInclude.Include.NON_NULL) OfflineComparison.Report offlineComparison) {}
