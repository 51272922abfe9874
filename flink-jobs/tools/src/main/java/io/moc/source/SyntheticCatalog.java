package io.moc.source;

import static io.moc.source.SyntheticTaxonomy.LEAVES;
import static io.moc.source.SyntheticTaxonomy.TOPS;

import io.moc.avro.ImpressionEvent;
import io.moc.avro.ItemEvent;
import io.moc.ctr.metrics.Auc;
import io.moc.source.SyntheticTaxonomy.LeafRef;
import io.moc.source.SyntheticTaxonomy.Mid;
import io.moc.source.SyntheticTaxonomy.Top;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * The built-in catalog that needs no files: an unbounded, deterministic (for a seed) stream of
 * products and of impressions with clicks drawn from a latent-factor model.
 *
 * <p>Items sit in a three-level category tree (4 top categories, 36 leaves) and have a brand, a
 * price and a title composed from a vocabulary, such as "Hydrating Rose Face Serum 30ml".
 *
 * <p>The click model is built so that, as in a real catalog, much of what makes an item clicked is
 * written on it, and some is not. A click happens with probability
 *
 * <pre>
 * sigmoid(clickBias
 *         + itemEffectScale · text(item)       what the text says: leaf appeal N(0, 1.1), brand
 *                                              quality N(0, 0.5), the title's adjective N(0, 0.4) and
 *                                              feature N(0, 0.4) words, and the price band
 *                                              (-0.6 · log(price / the leaf's base price))
 *         + popularityScale · popularity(item) what it does not say: N(0, 1) per item, which only
 *                                              the item's id can learn
 *         + userBiasScale · activity(user)     N(0, 1) per user: some users click more
 *         + affinityScale · user·item)         taste: the user's taste vector, built around one or
 *                                              two favourite leaves, against the item's latent
 *                                              vector (its category path, brand and noise)
 * </pre>
 *
 * A model that reads the item's semantic codes can rank a brand-new item from the first of these
 * terms; an ids-only model knows nothing of it until the item has been shown many times. {@link
 * #oracleAuc()} is the AUC of the true probabilities over the latest impressions: the best any
 * model can reach on the stream.
 *
 * <p>Item events and impressions are two Poisson processes in event time starting at the start
 * time. A fraction of item events re-publish an existing item unchanged (only its event time is
 * new) and a fraction change an existing item's title, so that downstream deduplication and
 * re-embedding have work to do. Every item property is a pure function of the seed, the item's
 * index and its title version, so memory does not grow with the number of items.
 */
public final class SyntheticCatalog implements CatalogSource {

  /** Dimension of the user taste and item latent vectors. */
  public static final int LATENT_DIM = 8;

  // Half of the impressions show one of the newest items, as a storefront promotes new arrivals;
  // this also gives cold-start items traffic soon after they appear.
  private static final int RECENT_WINDOW = 500;
  private static final double RECENT_SHARE = 0.5;

  private static final String ITEM_PREFIX = "item-";
  private static final String USER_PREFIX = "user-";

  // Independent random streams, so that e.g. the click model does not shift when the taxonomy
  // draws change.
  private static final long STREAM_TAXONOMY = 1;
  private static final long STREAM_USERS = 2;
  private static final long STREAM_ITEMS = 3;
  private static final long STREAM_EVENTS = 4;
  private static final long STREAM_EFFECTS = 5;

  private static final double LEAF_APPEAL_STD = 1.1;
  private static final double BRAND_QUALITY_STD = 0.5;
  private static final double WORD_EFFECT_STD = 0.4;
  private static final double PRICE_SENSITIVITY = 0.6;

  // The oracle's AUC over this many of the latest impressions.
  private static final int ORACLE_WINDOW = 20_000;

  private final Config config;
  private final float[][] leafVectors;
  private final float[][][] brandVectors;
  private final double[][] brandPriceTiers;
  private final float[][] userVectors;
  private final double[] userActivity;
  private final double[] leafAppeal;
  private final double[][] brandQuality;
  private final double[][] adjectiveEffect;
  private final double[][][] featureEffect;
  private final double[] oracleP = new double[ORACLE_WINDOW];
  private final boolean[] oracleClicked = new boolean[ORACLE_WINDOW];
  private final Random random;
  private final String runTag;
  private final Map<Integer, Integer> titleVersions = new HashMap<>();
  private double nextItemTimeMs;
  private double nextImpressionTimeMs;
  private int itemCount;
  private long impressionCount;

  private SyntheticCatalog(Config config) {
    this.config = config;
    Random taxonomy = rng(config.seed(), STREAM_TAXONOMY, 0);
    float[][] topVectors = new float[TOPS.size()][];
    brandVectors = new float[TOPS.size()][][];
    brandPriceTiers = new double[TOPS.size()][];
    float[][][] midVectors = new float[TOPS.size()][][];
    for (int t = 0; t < TOPS.size(); t++) {
      Top top = TOPS.get(t);
      topVectors[t] = gaussian(taxonomy);
      midVectors[t] = new float[top.mids().size()][];
      for (int m = 0; m < top.mids().size(); m++) {
        midVectors[t][m] = gaussian(taxonomy);
      }
      brandVectors[t] = new float[top.brands().length][];
      brandPriceTiers[t] = new double[top.brands().length];
      for (int b = 0; b < top.brands().length; b++) {
        brandVectors[t][b] = gaussian(taxonomy);
        brandPriceTiers[t][b] = 0.6 + 1.4 * taxonomy.nextDouble();
      }
    }
    leafVectors = new float[LEAVES.size()][];
    for (int i = 0; i < LEAVES.size(); i++) {
      LeafRef leaf = LEAVES.get(i);
      // Leaves under the same parent share most of their vector, so taste generalizes along the
      // category tree.
      leafVectors[i] =
          sum(
              topVectors[leaf.top()],
              0.7,
              midVectors[leaf.top()][leaf.mid()],
              0.5,
              gaussian(taxonomy));
    }
    userVectors = new float[config.users()][];
    for (int u = 0; u < config.users(); u++) {
      Random r = rng(config.seed(), STREAM_USERS, u);
      float[] favourite = leafVectors[r.nextInt(LEAVES.size())];
      float[] second = leafVectors[r.nextInt(LEAVES.size())];
      userVectors[u] = normalize(sum(favourite, 0.5, second, 0.6, gaussian(r)));
    }
    userActivity = new double[config.users()];
    for (int u = 0; u < config.users(); u++) {
      userActivity[u] = rng(config.seed(), STREAM_EFFECTS, u).nextGaussian();
    }
    Random effects = rng(config.seed(), STREAM_EFFECTS, -1);
    leafAppeal = new double[LEAVES.size()];
    for (int i = 0; i < leafAppeal.length; i++) {
      leafAppeal[i] = LEAF_APPEAL_STD * effects.nextGaussian();
    }
    brandQuality = new double[TOPS.size()][];
    adjectiveEffect = new double[TOPS.size()][];
    featureEffect = new double[TOPS.size()][][];
    for (int t = 0; t < TOPS.size(); t++) {
      Top top = TOPS.get(t);
      brandQuality[t] = gaussians(effects, top.brands().length, BRAND_QUALITY_STD);
      adjectiveEffect[t] = gaussians(effects, top.adjectives().length, WORD_EFFECT_STD);
      featureEffect[t] = new double[top.mids().size()][];
      for (int m = 0; m < top.mids().size(); m++) {
        featureEffect[t][m] =
            gaussians(effects, top.mids().get(m).features().length, WORD_EFFECT_STD);
      }
    }
    random = rng(config.seed(), STREAM_EVENTS, 0);
    runTag = String.format("%08x", (int) mix(config.seed(), config.startTime().toEpochMilli()));
    nextItemTimeMs = config.startTime().toEpochMilli();
    nextImpressionTimeMs =
        config.impressionsPerSecond() > 0
            ? nextItemTimeMs + exponentialGapMs(config.impressionsPerSecond())
            : Double.POSITIVE_INFINITY;
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public boolean hasNext() {
    return true;
  }

  @Override
  public SourceEvent next() {
    // Ties go to the item, so the first impression always finds at least one item.
    if (nextItemTimeMs <= nextImpressionTimeMs) {
      long time = (long) nextItemTimeMs;
      nextItemTimeMs += exponentialGapMs(config.itemsPerSecond());
      return SourceEvent.of(nextItem(time));
    }
    long time = (long) nextImpressionTimeMs;
    nextImpressionTimeMs += exponentialGapMs(config.impressionsPerSecond());
    return SourceEvent.of(nextImpression(time));
  }

  @Override
  public String describe() {
    return String.format(
        Locale.ROOT,
        "synthetic catalog (seed %d, from %s, %.1f item events/s, %.1f impressions/s, %d users,"
            + " %d leaf categories, %.1f%% re-published, %.1f%% retitled)",
        config.seed(),
        config.startTime(),
        config.itemsPerSecond(),
        config.impressionsPerSecond(),
        config.users(),
        LEAVES.size(),
        100 * config.republishFraction(),
        100 * config.titleChangeFraction());
  }

  /**
   * The true user-item affinity of the click model, in [-1, 1]: the dot product of the user's taste
   * vector and the item's latent vector. Useful as an oracle when evaluating a CTR model.
   *
   * @throws IllegalArgumentException if the ids are not ids this catalog produces
   */
  public double affinity(String userId, String itemId) {
    int user = parseIndex(userId, USER_PREFIX);
    if (user >= config.users()) {
      throw new IllegalArgumentException("unknown user " + userId);
    }
    return affinity(user, parseIndex(itemId, ITEM_PREFIX));
  }

  /** The probability that the user clicks the item when shown it. */
  public double clickProbability(String userId, String itemId) {
    int user = parseIndex(userId, USER_PREFIX);
    if (user >= config.users()) {
      throw new IllegalArgumentException("unknown user " + userId);
    }
    return clickProbability(user, parseIndex(itemId, ITEM_PREFIX), 0);
  }

  /**
   * The click logit's term that the item's text reveals (leaf, brand, title words, price band), in
   * its first title version, unscaled.
   */
  public double textEffect(String itemId) {
    return textEffect(spec(parseIndex(itemId, ITEM_PREFIX)), 0);
  }

  /** The click logit's term of the item that its text does not reveal, unscaled: N(0, 1). */
  public double popularity(String itemId) {
    return spec(parseIndex(itemId, ITEM_PREFIX)).popularity();
  }

  /**
   * The AUC of the click model's own probabilities against the clicks drawn from them, over the
   * latest impressions produced (up to 20,000): the best any model can score on this stream. NaN
   * before there are clicks and non-clicks.
   */
  public synchronized double oracleAuc() {
    int n = (int) Math.min(impressionCount, ORACLE_WINDOW);
    double[] scores = Arrays.copyOf(oracleP, n);
    float[] labels = new float[n];
    for (int i = 0; i < n; i++) {
      labels[i] = oracleClicked[i] ? 1f : 0f;
    }
    return Auc.of(scores, labels);
  }

  private double clickProbability(int user, int item, int titleVersion) {
    ItemSpec spec = spec(item);
    return sigmoid(
        config.clickBias()
            + config.itemEffectScale() * textEffect(spec, titleVersion)
            + config.popularityScale() * spec.popularity()
            + config.userBiasScale() * userActivity[user]
            + config.affinityScale() * affinity(user, item));
  }

  private double textEffect(ItemSpec spec, int titleVersion) {
    int t = spec.leaf().top();
    int adjective = (spec.adjective() + titleVersion) % TOPS.get(t).adjectives().length;
    return leafAppeal[spec.leaf().index()]
        + brandQuality[t][spec.brand()]
        + adjectiveEffect[t][adjective]
        + featureEffect[t][spec.leaf().mid()][spec.feature()]
        - PRICE_SENSITIVITY * Math.log(priceFactor(spec));
  }

  // The item's price over its leaf's base price: the brand's tier and a little noise.
  private double priceFactor(ItemSpec spec) {
    return brandPriceTiers[spec.leaf().top()][spec.brand()] * Math.exp(0.25 * spec.priceNoise());
  }

  private ItemEvent nextItem(long timeMs) {
    double u = random.nextDouble();
    if (itemCount > 0 && u < config.republishFraction()) {
      int index = random.nextInt(itemCount);
      return item(index, titleVersions.getOrDefault(index, 0), timeMs);
    }
    if (itemCount > 0 && u < config.republishFraction() + config.titleChangeFraction()) {
      int index = random.nextInt(itemCount);
      return item(index, titleVersions.merge(index, 1, Integer::sum), timeMs);
    }
    return item(itemCount++, 0, timeMs);
  }

  private ImpressionEvent nextImpression(long timeMs) {
    int user = random.nextInt(config.users());
    int item =
        itemCount > RECENT_WINDOW && random.nextDouble() < RECENT_SHARE
            ? itemCount - 1 - random.nextInt(RECENT_WINDOW)
            : random.nextInt(itemCount);
    double p = clickProbability(user, item, titleVersions.getOrDefault(item, 0));
    boolean clicked = random.nextDouble() < p;
    synchronized (this) {
      int slot = (int) (impressionCount % ORACLE_WINDOW);
      oracleP[slot] = p;
      oracleClicked[slot] = clicked;
      impressionCount++;
    }
    return ImpressionEvent.newBuilder()
        .setImpressionId("imp-" + runTag + "-" + (impressionCount - 1))
        .setUserId(USER_PREFIX + user)
        .setItemId(ITEM_PREFIX + item)
        .setEventTime(Instant.ofEpochMilli(timeMs))
        .setClicked(clicked)
        .build();
  }

  private ItemEvent item(int index, int titleVersion, long timeMs) {
    ItemSpec spec = spec(index);
    Top top = TOPS.get(spec.leaf().top());
    Mid mid = top.mids().get(spec.leaf().mid());
    // Cycling the adjective guarantees that every title change really changes the title.
    String adjective = top.adjectives()[(spec.adjective + titleVersion) % top.adjectives().length];
    String feature = mid.features()[spec.feature];
    String noun = spec.leaf().leaf().nouns()[spec.noun];
    String brand = top.brands()[spec.brand];
    double price = spec.leaf().leaf().basePrice() * priceFactor(spec);
    return ItemEvent.newBuilder()
        .setItemId(ITEM_PREFIX + index)
        .setTitle(adjective + " " + feature + " " + noun + " " + mid.sizes()[spec.size])
        .setDescription(
            feature
                + " "
                + noun.toLowerCase(Locale.ROOT)
                + " by "
                + brand
                + ", from our "
                + mid.name().toLowerCase(Locale.ROOT)
                + " range.")
        .setBrand(brand)
        .setCategories(List.of(top.name(), mid.name(), spec.leaf().leaf().name()))
        .setPrice(Math.max(1, Math.round(price)) - 0.01)
        .setEventTime(Instant.ofEpochMilli(timeMs))
        .build();
  }

  private ItemSpec spec(int index) {
    Random r = rng(config.seed(), STREAM_ITEMS, index);
    LeafRef leaf = LEAVES.get(r.nextInt(LEAVES.size()));
    Top top = TOPS.get(leaf.top());
    Mid mid = top.mids().get(leaf.mid());
    return new ItemSpec(
        leaf,
        r.nextInt(top.brands().length),
        r.nextInt(top.adjectives().length),
        r.nextInt(mid.features().length),
        r.nextInt(leaf.leaf().nouns().length),
        r.nextInt(mid.sizes().length),
        r.nextGaussian(),
        gaussian(r),
        r.nextGaussian());
  }

  private float[] itemVector(int index) {
    ItemSpec spec = spec(index);
    return normalize(
        sum(
            leafVectors[spec.leaf().index()],
            0.6,
            brandVectors[spec.leaf().top()][spec.brand],
            0.4,
            spec.noise));
  }

  private double affinity(int user, int item) {
    float[] u = userVectors[user];
    float[] v = itemVector(item);
    double dot = 0;
    for (int i = 0; i < LATENT_DIM; i++) {
      dot += u[i] * v[i];
    }
    return dot;
  }

  private double exponentialGapMs(double perSecond) {
    return -Math.log(1 - random.nextDouble()) * 1000 / perSecond;
  }

  private static int parseIndex(String id, String prefix) {
    if (id == null || !id.startsWith(prefix)) {
      throw new IllegalArgumentException("not a synthetic id: " + id);
    }
    try {
      int index = Integer.parseInt(id.substring(prefix.length()));
      if (index < 0) {
        throw new IllegalArgumentException("not a synthetic id: " + id);
      }
      return index;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a synthetic id: " + id, e);
    }
  }

  private static double sigmoid(double x) {
    return 1 / (1 + Math.exp(-x));
  }

  private static double[] gaussians(Random r, int n, double std) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = std * r.nextGaussian();
    }
    return v;
  }

  // Scaled so that a vector's expected norm is about 1 whatever the dimension.
  private static float[] gaussian(Random r) {
    float[] v = new float[LATENT_DIM];
    double scale = 1 / Math.sqrt(LATENT_DIM);
    for (int i = 0; i < LATENT_DIM; i++) {
      v[i] = (float) (r.nextGaussian() * scale);
    }
    return v;
  }

  private static float[] sum(float[] a, double wb, float[] b, double wc, float[] c) {
    float[] v = new float[LATENT_DIM];
    for (int i = 0; i < LATENT_DIM; i++) {
      v[i] = (float) (a[i] + wb * b[i] + wc * c[i]);
    }
    return v;
  }

  private static float[] normalize(float[] v) {
    double norm = 0;
    for (float x : v) {
      norm += x * x;
    }
    norm = Math.sqrt(norm);
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (v[i] / norm);
    }
    return v;
  }

  // SplitMix64 finalizer: java.util.Random seeded with neighbouring values gives correlated
  // first draws, and items are seeded by consecutive indices.
  private static long mix(long a, long b) {
    long z = a * 0x9E3779B97F4A7C15L + b;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  private static Random rng(long seed, long stream, long index) {
    return new Random(mix(mix(seed, stream), index));
  }

  /** Configuration of a {@link SyntheticCatalog}; every setting has a default. */
  public static final class Builder {
    private long seed = 42;
    private Instant startTime = Instant.parse("2024-01-01T00:00:00Z");
    private double itemsPerSecond = 10;
    private double impressionsPerSecond = 100;
    private int users = 10_000;
    private double republishFraction = 0.02;
    private double titleChangeFraction = 0.01;
    private double clickBias = -2.5;
    private double affinityScale = 1.5;
    private double itemEffectScale = 1.0;
    private double popularityScale = 0.5;
    private double userBiasScale = 0.5;

    private Builder() {}

    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** Event time of the first event; the default is fixed so that runs are reproducible. */
    public Builder startTime(Instant startTime) {
      this.startTime = startTime;
      return this;
    }

    /** Item events per second of event time, re-publications and title changes included. */
    public Builder itemsPerSecond(double itemsPerSecond) {
      this.itemsPerSecond = itemsPerSecond;
      return this;
    }

    /** Impressions per second of event time; 0 for a catalog without impressions. */
    public Builder impressionsPerSecond(double impressionsPerSecond) {
      this.impressionsPerSecond = impressionsPerSecond;
      return this;
    }

    public Builder users(int users) {
      this.users = users;
      return this;
    }

    /** Share of item events that re-publish an existing item unchanged. */
    public Builder republishFraction(double republishFraction) {
      this.republishFraction = republishFraction;
      return this;
    }

    /** Share of item events that give an existing item a new title. */
    public Builder titleChangeFraction(double titleChangeFraction) {
      this.titleChangeFraction = titleChangeFraction;
      return this;
    }

    /** Logit of the click probability at zero affinity. */
    public Builder clickBias(double clickBias) {
      this.clickBias = clickBias;
      return this;
    }

    /** How strongly the user's taste for the item (their affinity) moves the click logit. */
    public Builder affinityScale(double affinityScale) {
      this.affinityScale = affinityScale;
      return this;
    }

    /** How strongly what the item's text reveals moves the click logit; 0: not at all. */
    public Builder itemEffectScale(double itemEffectScale) {
      this.itemEffectScale = itemEffectScale;
      return this;
    }

    /** How strongly the item's hidden popularity, which only its id can learn, moves the logit. */
    public Builder popularityScale(double popularityScale) {
      this.popularityScale = popularityScale;
      return this;
    }

    /** How strongly the user's own click propensity moves the logit. */
    public Builder userBiasScale(double userBiasScale) {
      this.userBiasScale = userBiasScale;
      return this;
    }

    public SyntheticCatalog build() {
      if (startTime == null) {
        throw new IllegalArgumentException("startTime must be set");
      }
      if (!(itemsPerSecond > 0) || Double.isInfinite(itemsPerSecond)) {
        throw new IllegalArgumentException("itemsPerSecond must be positive: " + itemsPerSecond);
      }
      if (!(impressionsPerSecond >= 0) || Double.isInfinite(impressionsPerSecond)) {
        throw new IllegalArgumentException(
            "impressionsPerSecond must be >= 0: " + impressionsPerSecond);
      }
      if (users < 1) {
        throw new IllegalArgumentException("users must be positive: " + users);
      }
      if (!(republishFraction >= 0)
          || !(titleChangeFraction >= 0)
          || republishFraction + titleChangeFraction > 1) {
        throw new IllegalArgumentException(
            "republishFraction and titleChangeFraction must be >= 0 and sum to at most 1");
      }
      if (!Double.isFinite(clickBias)
          || !Double.isFinite(affinityScale)
          || !Double.isFinite(itemEffectScale)
          || !Double.isFinite(popularityScale)
          || !Double.isFinite(userBiasScale)) {
        throw new IllegalArgumentException("the click model's bias and scales must be finite");
      }
      return new SyntheticCatalog(
          new Config(
              seed,
              startTime,
              itemsPerSecond,
              impressionsPerSecond,
              users,
              republishFraction,
              titleChangeFraction,
              clickBias,
              affinityScale,
              itemEffectScale,
              popularityScale,
              userBiasScale));
    }
  }

  private record Config(
      long seed,
      Instant startTime,
      double itemsPerSecond,
      double impressionsPerSecond,
      int users,
      double republishFraction,
      double titleChangeFraction,
      double clickBias,
      double affinityScale,
      double itemEffectScale,
      double popularityScale,
      double userBiasScale) {}

  private record ItemSpec(
      LeafRef leaf,
      int brand,
      int adjective,
      int feature,
      int noun,
      int size,
      double priceNoise,
      float[] noise,
      double popularity) {}
}
