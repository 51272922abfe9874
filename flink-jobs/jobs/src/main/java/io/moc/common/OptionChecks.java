package io.moc.common;

import java.util.Collection;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ReadableConfig;

/**
 * Reads an option and checks its value where it is read, so that a bad value fails the job at
 * submission with the key and what is allowed, rather than deep inside an operator (where a retry
 * loop would hide it). Flink's {@link ConfigOption} has no validators of its own.
 */
public final class OptionChecks {

  private OptionChecks() {}

  /** The option's value, at least {@code min}. */
  public static <T extends Comparable<T>> T atLeast(
      ReadableConfig config, ConfigOption<T> option, T min) {
    T value = config.get(option);
    if (value == null || value.compareTo(min) < 0) {
      throw invalid(option, value, "must be at least " + min);
    }
    return value;
  }

  /** The option's value, in {@code [min, max]}. */
  public static <T extends Comparable<T>> T inRange(
      ReadableConfig config, ConfigOption<T> option, T min, T max) {
    T value = config.get(option);
    if (value == null || value.compareTo(min) < 0 || value.compareTo(max) > 0) {
      throw invalid(option, value, "must be in [" + min + ", " + max + "]");
    }
    return value;
  }

  /** The option's value, one of {@code allowed}. */
  public static String oneOf(
      ReadableConfig config, ConfigOption<String> option, Collection<String> allowed) {
    String value = config.get(option);
    if (!allowed.contains(value)) {
      throw invalid(option, value, "must be one of " + allowed);
    }
    return value;
  }

  /** The option's value, not empty or blank. */
  public static String notBlank(ReadableConfig config, ConfigOption<String> option) {
    String value = config.get(option);
    if (value == null || value.isBlank()) {
      throw invalid(option, value, "must not be empty");
    }
    return value;
  }

  /** A check across options (or a special value) failed: the message names the keys. */
  public static IllegalArgumentException invalid(
      ConfigOption<?> option, Object value, String rule) {
    return new IllegalArgumentException(
        "invalid configuration: " + option.key() + " = '" + value + "': " + rule);
  }
}
