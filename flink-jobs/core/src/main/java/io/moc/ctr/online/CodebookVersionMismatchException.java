package io.moc.ctr.online;

/**
 * An example whose codes belong to another codebook version than the trainer's model: the caller
 * routes it to that version's trainer (or migrates), since a model never mixes codes of two
 * versions.
 */
public final class CodebookVersionMismatchException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  private final long expected;
  private final long actual;

  public CodebookVersionMismatchException(long expected, long actual) {
    super("codes of codebook version " + actual + " for a model of version " + expected);
    this.expected = expected;
    this.actual = actual;
  }

  /** The trainer's version. */
  public long expected() {
    return expected;
  }

  /** The example's version. */
  public long actual() {
    return actual;
  }
}
