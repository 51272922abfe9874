package io.moc.serving;

import io.moc.avro.AvroBytes;
import io.moc.avro.ItemCodes;
import io.moc.avro.ModelSnapshot;
import io.moc.ctr.online.FeatureContract;
import io.moc.ctr.online.ModelArtifact;
import io.moc.ctr.online.ModelSnapshotEntry;
import io.moc.kafka.KafkaConnection;
import io.moc.kafka.TopicTail;
import io.moc.util.Sha256;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scores (user, item) pairs with a published CTR model, for services outside Flink. It holds one
 * model snapshot, verified against the SHA-256 its announcement carries, and the latest codes of
 * every item; an item is scored only when its latest codes are of the model's codebook version,
 * because codes of another version index other code vectors and would be scored wrongly without any
 * error.
 *
 * <p>Two ways to build one: {@link #latest} reads the {@code ctr-models} and {@code item-codes}
 * topics itself and {@link #refresh()} polls them for newer snapshots and codes; {@link #of} takes
 * parts a service already has, which it then keeps current with {@link #putCodes}, {@link
 * #removeItem} and {@link #replaceModel}.
 *
 * <p>Unscorable items: {@link #score(String, String)} throws {@link UnscorableItemException} (a
 * single score has no value that could not be mistaken for one); {@link #score(String, List)}
 * returns {@code NaN} at their positions so that one item does not fail a whole ranking request.
 * Check {@link #canScore} to tell them apart beforehand.
 *
 * <p>Thread-safe by serialising every call, like the underlying model, which is not thread-safe: a
 * service that needs parallel scoring runs several instances. It does not set PyTorch's thread
 * count; a service tunes that for its own load.
 */
public final class CtrScorer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(CtrScorer.class);

  /** An item's latest codes, of whichever codebook version produced them. */
  private record Codes(long codebookVersion, int[] codes) {}

  private final Map<String, Codes> latestCodes = new HashMap<>();
  private final Topics topics;

  private ModelSnapshotEntry snapshot;
  private ModelArtifact.Scorer scorer;
  private int scorable;
  private int otherVersions;
  private long recordsSkipped;
  private long staleCodesIgnored;

  private CtrScorer(ModelSnapshotEntry snapshot, ModelArtifact.Scorer scorer, Topics topics) {
    this.snapshot = snapshot;
    this.scorer = scorer;
    this.topics = topics;
  }

  /** The topics a scorer built by {@link #latest} polls, and where its artifacts are read from. */
  private record Topics(TopicTail models, TopicTail codes, ModelArtifactReader artifacts)
      implements AutoCloseable {
    @Override
    public void close() {
      try (codes) {
        models.close();
      }
    }
  }

  /**
   * A scorer of already-loaded parts.
   *
   * @param snapshot the model's announcement (version, codebook version, SHA-256)
   * @param artifact the snapshot's full model artifact: the bytes at its artifact URI, or for a
   *     delta the model {@link ModelArtifactReader} rebuilds
   * @param codes each item's latest codes, of any codebook version, by item id
   * @throws IllegalArgumentException when the artifact is not the one the snapshot announces, is
   *     corrupted, or reads another codebook version than the snapshot says
   */
  public static CtrScorer of(
      ModelSnapshotEntry snapshot, byte[] artifact, Map<String, ItemCodes> codes) {
    CtrScorer scorer = new CtrScorer(snapshot, open(snapshot, artifact), null);
    codes.values().forEach(scorer::putCodes);
    return scorer;
  }

  /**
   * A scorer of the highest committed model version on {@code ctrModelsTopic} and every item's
   * latest codes on {@code itemCodesTopic}, both read to their current ends.
   *
   * @param opener reads the snapshot's artifact URI, e.g. {@link ArtifactOpener#local()}
   * @throws IllegalStateException when no snapshot has been published or a topic is missing
   * @throws IllegalArgumentException when the newest snapshot's artifact is rejected (see {@link
   *     #of})
   * @throws UncheckedIOException when the artifact cannot be read
   */
  public static CtrScorer latest(
      KafkaConnection kafka, String ctrModelsTopic, String itemCodesTopic, ArtifactOpener opener) {
    TopicTail models = new TopicTail(kafka, ctrModelsTopic);
    TopicTail codes = null;
    ModelArtifactReader artifacts = new ModelArtifactReader(opener);
    try {
      ModelSnapshotEntry newest = newestSnapshot(models, null, artifacts);
      if (newest == null) {
        throw new IllegalStateException("no model snapshot on " + ctrModelsTopic + " yet");
      }
      codes = new TopicTail(kafka, itemCodesTopic);
      CtrScorer scorer =
          new CtrScorer(
              newest, open(newest, artifacts.read(newest)), new Topics(models, codes, artifacts));
      try {
        codes.readToEnd(scorer::apply);
      } catch (RuntimeException e) {
        scorer.scorer.close(); // the consumers are closed below
        throw e;
      }
      return scorer;
    } catch (RuntimeException e) {
      if (codes != null) {
        codes.close();
      }
      models.close();
      throw e;
    }
  }

  /**
   * Reads the codes published since the last call and, when a snapshot newer than the current model
   * has been announced, loads the newest one. When it is rejected the exception is thrown and this
   * scorer keeps serving its current model; the rejected version is not retried, and a later
   * refresh picks up any snapshot announced after it.
   *
   * @return whether the model changed
   * @throws IllegalStateException for a scorer built by {@link #of}, which has no topics to poll
   */
  public synchronized boolean refresh() {
    if (topics == null) {
      throw new IllegalStateException(
          "built from loaded parts: update it with putCodes/replaceModel");
    }
    // Codes first: a rejected snapshot must not hold back the codes of the model still in use.
    topics.codes().readToEnd(this::apply);
    ModelSnapshotEntry newest =
        newestSnapshot(topics.models(), snapshot.version, topics.artifacts());
    if (newest == null) {
      return false;
    }
    replaceModel(newest, topics.artifacts().read(newest));
    return true;
  }

  /**
   * Switches to another model; the current one is kept when the new one is rejected.
   *
   * @throws IllegalArgumentException as {@link #of} does
   */
  public synchronized void replaceModel(ModelSnapshotEntry next, byte[] artifact) {
    ModelArtifact.Scorer opened = open(next, artifact);
    ModelArtifact.Scorer previous = scorer;
    scorer = opened;
    snapshot = next;
    previous.close();
    recount();
    LOG.info(
        "Scoring with CTR model version {} (codebook version {}): {} items scorable, {} with codes"
            + " of another version",
        next.version,
        next.codebookVersion,
        scorable,
        otherVersions);
  }

  /**
   * Records an item's latest codes. As in the training job's join, codes of a newer or equal
   * codebook version replace the held ones and an older version's (a late re-coding) are ignored,
   * so that the scorer reads an item by the codes the trainer joins it with.
   */
  public synchronized void putCodes(ItemCodes codes) {
    String itemId = codes.getItemId();
    if (itemId == null || itemId.isEmpty()) {
      throw new IllegalArgumentException("codes without an item id");
    }
    Codes held = latestCodes.get(itemId);
    if (held != null && codes.getCodebookVersion() < held.codebookVersion()) {
      staleCodesIgnored++;
      return;
    }
    // A null code becomes -1, which no contract accepts: the item is kept, but not scorable.
    int[] values = codes.getCodes().stream().mapToInt(c -> c == null ? -1 : c).toArray();
    count(latestCodes.put(itemId, new Codes(codes.getCodebookVersion(), values)), -1);
    count(latestCodes.get(itemId), +1);
  }

  /** Forgets a deleted item. */
  public synchronized void removeItem(String itemId) {
    count(latestCodes.remove(itemId), -1);
  }

  /**
   * The click probability of the user on the item.
   *
   * @throws UnscorableItemException when the item has no codes of the model's codebook version
   */
  public synchronized float score(String userId, String itemId) {
    Codes codes = latestCodes.get(itemId);
    if (!usable(codes)) {
      throw new UnscorableItemException(itemId, whyNot(codes));
    }
    return scorer.score(userId, itemId, codes.codes());
  }

  /**
   * Click probabilities of the user on each item, in one model call; {@code NaN} for an item that
   * {@link #canScore} rejects.
   */
  public synchronized float[] score(String userId, List<String> itemIds) {
    float[] scores = new float[itemIds.size()];
    Arrays.fill(scores, Float.NaN);
    int[] positions = new int[scores.length];
    int n = 0;
    for (int i = 0; i < scores.length; i++) {
      if (usable(latestCodes.get(itemIds.get(i)))) {
        positions[n++] = i;
      }
    }
    if (n == 0) {
      return scores;
    }
    String[] users = new String[n];
    String[] items = new String[n];
    int[][] codes = new int[n][];
    for (int j = 0; j < n; j++) {
      users[j] = userId;
      items[j] = itemIds.get(positions[j]);
      codes[j] = latestCodes.get(items[j]).codes();
    }
    float[] scored = scorer.score(users, items, codes);
    for (int j = 0; j < n; j++) {
      scores[positions[j]] = scored[j];
    }
    return scores;
  }

  /** Whether the item's latest codes are of the model's codebook version and fit its contract. */
  public synchronized boolean canScore(String itemId) {
    return usable(latestCodes.get(itemId));
  }

  public synchronized long modelVersion() {
    return snapshot.version;
  }

  /** The codebook version whose codes the current model reads. */
  public synchronized long codebookVersion() {
    return snapshot.codebookVersion;
  }

  public synchronized FeatureContract contract() {
    return scorer.contract();
  }

  /** The current model's evaluation metrics at snapshot time, as announced. */
  public synchronized Map<String, Double> metrics() {
    return snapshot.metrics();
  }

  /** Items the current model can score. */
  public synchronized int itemsKnown() {
    return scorable;
  }

  /**
   * Items whose latest codes are of another codebook version than the model's: not scorable until a
   * model of their version (or their codes of the model's version) arrives.
   */
  public synchronized int itemsOfOtherVersions() {
    return otherVersions;
  }

  /**
   * Records of the item-codes topic that were not codes (undecodable, without a key, or keyed by
   * another item than they describe), skipped as the training job's dead letters are.
   */
  public synchronized long recordsSkipped() {
    return recordsSkipped;
  }

  /**
   * Codes of an older codebook version than the item's held ones, ignored (see {@link #putCodes}).
   */
  public synchronized long staleCodesIgnored() {
    return staleCodesIgnored;
  }

  @Override
  public synchronized void close() {
    try (Topics t = topics) {
      scorer.close();
    }
  }

  private boolean usable(Codes codes) {
    if (codes == null || codes.codebookVersion() != snapshot.codebookVersion) {
      return false;
    }
    FeatureContract contract = scorer.contract();
    if (codes.codes().length != contract.codebooks()) {
      return false;
    }
    for (int c : codes.codes()) {
      if (c < 0 || c >= contract.codebookSize()) {
        return false;
      }
    }
    return true;
  }

  private String whyNot(Codes codes) {
    if (codes == null) {
      return "no codes (never coded, or deleted)";
    }
    if (codes.codebookVersion() != snapshot.codebookVersion) {
      return "its latest codes are of codebook version "
          + codes.codebookVersion()
          + ", model version "
          + snapshot.version
          + " reads codes of version "
          + snapshot.codebookVersion;
    }
    return "its codes "
        + Arrays.toString(codes.codes())
        + " do not fit the model's contract "
        + scorer.contract();
  }

  private void count(Codes codes, int sign) {
    if (codes == null) {
      return;
    }
    if (usable(codes)) {
      scorable += sign;
    } else if (codes.codebookVersion() != snapshot.codebookVersion) {
      otherVersions += sign;
    }
  }

  private void recount() {
    scorable = 0;
    otherVersions = 0;
    latestCodes.values().forEach(c -> count(c, +1));
  }

  /** One record of the item-codes topic: the item's latest codes, or its deletion. */
  private void apply(ConsumerRecord<byte[], byte[]> record) {
    String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
    if (key == null || key.isEmpty()) {
      skip(record, "no key");
      return;
    }
    if (record.value() == null) {
      removeItem(key);
      return;
    }
    ItemCodes codes;
    try {
      codes = AvroBytes.decode(ItemCodes.class, record.value());
    } catch (UncheckedIOException e) {
      skip(record, "undecodable: " + e.getMessage());
      return;
    }
    if (!key.equals(codes.getItemId())) {
      // A tombstone deletes by key: codes under another key would outlive their item's deletion.
      skip(record, "key '" + key + "' is not item_id '" + codes.getItemId() + "'");
      return;
    }
    putCodes(codes);
  }

  private void skip(ConsumerRecord<byte[], byte[]> record, String why) {
    if (recordsSkipped++ < 10) {
      LOG.warn(
          "Skipped item-codes record {}-{}@{}: {}",
          record.topic(),
          record.partition(),
          record.offset(),
          why);
    }
  }

  /**
   * The highest version among the snapshots read now, if higher than {@code above} (null: any);
   * every one read is shown to {@code artifacts}, for the bases of later deltas.
   */
  private static ModelSnapshotEntry newestSnapshot(
      TopicTail models, Long above, ModelArtifactReader artifacts) {
    ModelSnapshotEntry[] newest = {null};
    forEachSnapshot(
        models,
        s -> {
          ModelSnapshotEntry entry = ModelSnapshotEntry.fromAvro(s);
          artifacts.remember(entry);
          boolean newer = above == null || s.getVersion() > above;
          if (newer && (newest[0] == null || s.getVersion() > newest[0].version)) {
            newest[0] = entry;
          }
        });
    return newest[0];
  }

  /**
   * Every committed snapshot on {@code ctrModelsTopic} up to its current end, by version: the
   * history a consumer picks an older model from (to score a period as it was served, say).
   */
  public static List<ModelSnapshotEntry> snapshots(KafkaConnection kafka, String ctrModelsTopic) {
    List<ModelSnapshotEntry> all = new ArrayList<>();
    try (TopicTail models = new TopicTail(kafka, ctrModelsTopic)) {
      forEachSnapshot(models, s -> all.add(ModelSnapshotEntry.fromAvro(s)));
    }
    all.sort(Comparator.comparingLong(s -> s.version));
    return all;
  }

  private static void forEachSnapshot(TopicTail models, Consumer<ModelSnapshot> each) {
    models.readToEnd(
        record -> {
          if (record.value() == null) {
            return;
          }
          ModelSnapshot s;
          try {
            s = AvroBytes.decode(ModelSnapshot.class, record.value());
          } catch (UncheckedIOException e) {
            LOG.warn(
                "Skipped undecodable snapshot at offset {}: {}", record.offset(), e.getMessage());
            return;
          }
          each.accept(s);
        });
  }

  /**
   * The snapshot's model, once its artifact is the one announced: checked against the snapshot's
   * SHA-256 before anything is parsed, then against its own checksum and codebook version.
   */
  private static ModelArtifact.Scorer open(ModelSnapshotEntry snapshot, byte[] artifact) {
    String actual = Sha256.hex(artifact);
    String announced =
        snapshot.modelSha() == null ? "" : snapshot.modelSha().toLowerCase(Locale.ROOT);
    if (!actual.equals(announced)) {
      throw new IllegalArgumentException(
          "model version "
              + snapshot.version
              + ": the artifact at "
              + snapshot.artifactUri
              + " has SHA-256 "
              + actual
              + ", its snapshot announces "
              + snapshot.modelSha()
              + " (corrupted, tampered with or overwritten); refusing to load it");
    }
    ModelArtifact parsed;
    try {
      parsed = ModelArtifact.fromBytes(artifact);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "model version " + snapshot.version + ": " + e.getMessage(), e);
    }
    if (parsed.codebookVersion() != snapshot.codebookVersion) {
      throw new IllegalArgumentException(
          "model version "
              + snapshot.version
              + ": the artifact reads codes of codebook version "
              + parsed.codebookVersion()
              + ", its snapshot says "
              + snapshot.codebookVersion);
    }
    return parsed.open();
  }
}
