package io.moc.local;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the broker JVM that {@code bin/moc local} started: when it dies, says so and either
 * starts it again on the same port and data (the jobs and the feed reconnect and go on) or stops
 * the run with an error in its report, as {@code --on-broker-loss} chose.
 */
public final class BrokerWatchdog implements Feed.Health, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(BrokerWatchdog.class);
  private static final Duration RESTART_TIMEOUT = Duration.ofSeconds(90);

  /** What to do when the broker dies. */
  public enum OnLoss {
    RESTART,
    FAIL;

    /** {@code restart} or {@code fail}, as on the command line. */
    public static OnLoss parse(String value) {
      try {
        return valueOf(value.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "--on-broker-loss must be restart or fail, is " + value, e);
      }
    }
  }

  private final KafkaBrokerProcess broker;
  private final OnLoss onLoss;
  private final PrintStream console;
  private final AtomicBoolean stopRun;
  private final Thread thread;
  private final AtomicInteger restarts = new AtomicInteger();
  private volatile boolean down;
  private volatile String error;
  private volatile boolean closed;

  private BrokerWatchdog(
      KafkaBrokerProcess broker, OnLoss onLoss, PrintStream console, AtomicBoolean stopRun) {
    this.broker = broker;
    this.onLoss = onLoss;
    this.console = console;
    this.stopRun = stopRun;
    this.thread = new Thread(this::watch, "moc-broker-watchdog");
    thread.setDaemon(true);
  }

  /** Watches {@code broker} from now on; with {@link OnLoss#FAIL} a loss sets {@code stopRun}. */
  public static BrokerWatchdog start(
      KafkaBrokerProcess broker, OnLoss onLoss, PrintStream console, AtomicBoolean stopRun) {
    BrokerWatchdog watchdog = new BrokerWatchdog(broker, onLoss, console, stopRun);
    watchdog.thread.start();
    return watchdog;
  }

  private void watch() {
    while (!closed) {
      if (!broker.isAlive() && !closed) {
        if (!handleLoss()) {
          return;
        }
      }
      try {
        Thread.sleep(250);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  // Returns whether to go on watching.
  private boolean handleLoss() {
    down = true;
    String died = "Kafka broker (pid " + broker.pid() + ") died with exit " + broker.exitValue();
    if (onLoss == OnLoss.FAIL) {
      error = died + "; --on-broker-loss fail stops the run";
      LOG.error(error);
      console.println("ERROR: " + error);
      stopRun.set(true);
      return false;
    }
    LOG.warn("{}; restarting it on the same port and data", died);
    console.println(died + "; restarting it on the same port and data ...");
    long start = System.nanoTime();
    try {
      broker.restart(RESTART_TIMEOUT);
    } catch (Exception e) {
      error = died + " and could not be restarted: " + e;
      LOG.error(error, e);
      console.println("ERROR: " + error);
      stopRun.set(true);
      return false;
    }
    int n = restarts.incrementAndGet();
    down = false;
    String back =
        String.format(
            "Kafka broker back after %.1f s (restart %d, pid %d): the jobs and the feed reconnect",
            (System.nanoTime() - start) / 1e9, n, broker.pid());
    LOG.info(back);
    console.println(back);
    return true;
  }

  @Override
  public int brokerRestarts() {
    return restarts.get();
  }

  @Override
  public boolean brokerDown() {
    return down;
  }

  @Override
  public String error() {
    return error;
  }

  @Override
  public void close() throws InterruptedException {
    closed = true;
    thread.interrupt();
    thread.join(5000);
  }
}
