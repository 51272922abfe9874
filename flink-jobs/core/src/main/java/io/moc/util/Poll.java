package io.moc.util;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * Waits for a condition with pauses that grow from 10 ms to 250 ms: quick when the condition is
 * near, cheap on two cores when it is not, and never a busy spin.
 */
public final class Poll {

  private static final long FIRST_PAUSE_MS = 10;
  private static final long LONGEST_PAUSE_MS = 250;

  private Poll() {}

  /** What is waited for; an {@link IOException} counts as "not yet" (a process is starting). */
  public interface Condition {
    boolean holds() throws Exception;
  }

  /** Checked on every round; throws to give up early (a process the condition needs has died). */
  public interface Guard {
    void check() throws Exception;
  }

  /**
   * Returns once {@code condition} holds.
   *
   * @throws TimeoutException naming {@code what} when it does not hold within {@code timeout}
   */
  public static void until(String what, Duration timeout, Condition condition) throws Exception {
    until(what, timeout, condition, () -> {});
  }

  /** As {@link #until(String, Duration, Condition)}, giving up when {@code guard} throws. */
  public static void until(String what, Duration timeout, Condition condition, Guard guard)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    long pause = FIRST_PAUSE_MS;
    while (true) {
      try {
        if (condition.holds()) {
          return;
        }
      } catch (IOException notYet) {
        // polled again below
      }
      guard.check();
      if (System.nanoTime() > deadline) {
        throw new TimeoutException("not within " + timeout + ": " + what);
      }
      Thread.sleep(pause);
      pause = Math.min(LONGEST_PAUSE_MS, pause * 2);
    }
  }
}
