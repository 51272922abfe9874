package io.moc.deploy;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalResourceOptions;
import org.apache.flink.configuration.FallbackKey;
import org.apache.flink.configuration.MetricOptions;

/**
 * The configuration keys that Flink and moc declare as {@link ConfigOption}s on the test class
 * path, and the two key families Flink defines by pattern ({@code metrics.reporter.<name>.*},
 * {@code external-resource.<name>.*}). A manifest key that none of them declares is read by nobody:
 * Flink ignores unknown keys silently, so a typo only shows as a default in production.
 */
final class FlinkOptionKeys {

  private static final Pattern REPORTER_KEY =
      Pattern.compile("metrics\\.reporter\\.([^.]+)\\.(.+)");
  private static final Pattern EXTERNAL_RESOURCE_KEY =
      Pattern.compile("external-resource\\.([^.]+)\\.(.+)");

  /**
   * Suffixes of {@code external-resource.<name>.} that live outside flink-core: flink-kubernetes'
   * {@code KubernetesConfigOptions.EXTERNAL_RESOURCE_KUBERNETES_CONFIG_KEY_SUFFIX} and flink-yarn's
   * {@code YarnConfigOptions.EXTERNAL_RESOURCE_YARN_CONFIG_KEY_SUFFIX}; neither module is on this
   * class path (flink-kubernetes has no 2.2.1 release).
   */
  private static final Set<String> DEPLOYMENT_RESOURCE_SUFFIXES =
      Set.of("kubernetes.config-key", "yarn.config-key");

  private final Map<String, List<ConfigOption<?>>> options;
  private final Set<String> reporterOptions;

  private FlinkOptionKeys(Map<String, List<ConfigOption<?>>> options, Set<String> reporterOptions) {
    this.options = options;
    this.reporterOptions = reporterOptions;
  }

  /**
   * Scans the class path for Flink's option classes (every class of {@code
   * org.apache.flink.configuration}, and {@code *Options} classes elsewhere in Flink) and moc's
   * ({@code io.moc..*Options}).
   */
  static FlinkOptionKeys onClassPath() {
    Map<String, List<ConfigOption<?>>> options = new HashMap<>();
    Set<String> reporterOptions = new TreeSet<>();
    ClassLoader loader = FlinkOptionKeys.class.getClassLoader();
    for (String className : optionClassNames()) {
      // Reporter plugins' options are relative to metrics.reporter.<name>., like the REPORTER_*
      // options of MetricOptions; connectors' are properties of one source or sink, not cluster
      // configuration. Neither may pass as a top-level key.
      boolean reporterScoped = className.startsWith("org.apache.flink.metrics.");
      if (className.startsWith("org.apache.flink.connector.")) {
        continue;
      }
      for (Map.Entry<String, ConfigOption<?>> e : staticOptions(className, loader).entrySet()) {
        ConfigOption<?> option = e.getValue();
        boolean reporterOption =
            reporterScoped
                || (className.equals(MetricOptions.class.getName())
                    && e.getKey().startsWith("REPORTER_"));
        if (reporterOption) {
          reporterOptions.add(option.key());
          continue;
        }
        for (String key : keysOf(option)) {
          if (!key.contains("<")) { // a pattern such as external-resource.<resource_name>.amount
            options.computeIfAbsent(key, k -> new ArrayList<>()).add(option);
          }
        }
      }
    }
    reporterOptions.remove(MetricOptions.REPORTER_CONFIG_PARAMETER.key());
    // The Prometheus pull reporter reads its port as a plain reporter parameter, not an option.
    reporterOptions.add(
        constant("org.apache.flink.metrics.prometheus.PrometheusReporterFactory", "ARG_PORT"));
    return new FlinkOptionKeys(options, reporterOptions);
  }

  int optionCount() {
    return options.size();
  }

  /**
   * What is wrong with {@code config}: every key that no option declares, and every value that does
   * not parse as its option's type. Empty when Flink and moc read every entry as meant.
   */
  List<String> problems(Map<String, String> config) {
    Set<String> resources = new LinkedHashSet<>();
    String declared = config.get(ExternalResourceOptions.EXTERNAL_RESOURCE_LIST.key());
    if (declared != null) {
      Arrays.stream(declared.split(";"))
          .map(String::trim)
          .filter(s -> !s.isEmpty() && !s.equals(ExternalResourceOptions.NONE))
          .forEach(resources::add);
    }
    Configuration parsed = Configuration.fromMap(config);
    List<String> problems = new ArrayList<>();
    for (String key : new TreeSet<>(config.keySet())) {
      List<ConfigOption<?>> candidates = options.get(key);
      if (candidates != null) {
        String error = parseError(parsed, candidates);
        if (error != null) {
          problems.add(key + ": value '" + config.get(key) + "' does not parse: " + error);
        }
      } else if (!isPatternKey(key, resources)) {
        problems.add(key + ": no Flink or moc option has this key");
      }
    }
    return problems;
  }

  private boolean isPatternKey(String key, Set<String> resources) {
    Matcher reporter = REPORTER_KEY.matcher(key);
    if (reporter.matches()) {
      return reporterOptions.contains(reporter.group(2));
    }
    Matcher resource = EXTERNAL_RESOURCE_KEY.matcher(key);
    if (resource.matches() && resources.contains(resource.group(1))) {
      String suffix = resource.group(2);
      return suffix.equals(ExternalResourceOptions.EXTERNAL_RESOURCE_AMOUNT_SUFFIX)
          || suffix.equals(ExternalResourceOptions.EXTERNAL_RESOURCE_DRIVER_FACTORY_SUFFIX)
          || DEPLOYMENT_RESOURCE_SUFFIXES.contains(suffix)
          || (suffix.startsWith(ExternalResourceOptions.EXTERNAL_RESOURCE_DRIVER_PARAM_SUFFIX)
              && suffix.length()
                  > ExternalResourceOptions.EXTERNAL_RESOURCE_DRIVER_PARAM_SUFFIX.length());
    }
    return false;
  }

  /** Null when one of the options that share the key reads the value; else the last error. */
  private static String parseError(Configuration config, List<ConfigOption<?>> candidates) {
    String error = null;
    for (ConfigOption<?> option : candidates) {
      try {
        config.get(option);
        return null;
      } catch (RuntimeException e) {
        error = e.getMessage();
      }
    }
    return error;
  }

  private static List<String> keysOf(ConfigOption<?> option) {
    List<String> keys = new ArrayList<>();
    keys.add(option.key());
    for (FallbackKey fallback : option.fallbackKeys()) {
      keys.add(fallback.getKey());
    }
    return keys;
  }

  private static Map<String, ConfigOption<?>> staticOptions(String className, ClassLoader loader) {
    Map<String, ConfigOption<?>> found = new HashMap<>();
    try {
      Class<?> type = Class.forName(className, false, loader);
      for (Field field : type.getDeclaredFields()) {
        int modifiers = field.getModifiers();
        if (Modifier.isPublic(modifiers)
            && Modifier.isStatic(modifiers)
            && ConfigOption.class.isAssignableFrom(field.getType())
            && field.trySetAccessible()
            && field.get(null) instanceof ConfigOption<?> option) {
          found.put(field.getName(), option);
        }
      }
    } catch (ReflectiveOperationException | LinkageError e) {
      // A class whose dependencies are not on this class path declares nothing a manifest uses.
    }
    return found;
  }

  private static String constant(String className, String fieldName) {
    try {
      Field field = Class.forName(className).getDeclaredField(fieldName);
      field.setAccessible(true);
      return (String) field.get(null);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(className + "." + fieldName + " is gone", e);
    }
  }

  private static Set<String> optionClassNames() {
    Set<String> names = new TreeSet<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      Path path = Path.of(entry);
      if (Files.isDirectory(path)) {
        try (Stream<Path> files = Files.walk(path)) {
          files
              .filter(Files::isRegularFile)
              .map(f -> path.relativize(f).toString().replace(File.separatorChar, '/'))
              .filter(FlinkOptionKeys::isOptionClass)
              .forEach(n -> names.add(className(n)));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      } else if (entry.endsWith(".jar") && Files.isRegularFile(path)) {
        try (ZipFile jar = new ZipFile(path.toFile())) {
          for (Enumeration<? extends ZipEntry> e = jar.entries(); e.hasMoreElements(); ) {
            String name = e.nextElement().getName();
            if (isOptionClass(name)) {
              names.add(className(name));
            }
          }
        } catch (IOException e) {
          throw new UncheckedIOException(path + " is not a readable jar", e);
        }
      }
    }
    return names;
  }

  private static boolean isOptionClass(String entry) {
    if (!entry.endsWith(".class") || entry.startsWith("org/apache/flink/shaded/")) {
      return false;
    }
    String simple = entry.substring(entry.lastIndexOf('/') + 1, entry.length() - ".class".length());
    if (entry.startsWith("org/apache/flink/configuration/") && entry.indexOf('/', 31) < 0) {
      return true;
    }
    return (entry.startsWith("org/apache/flink/") || entry.startsWith("io/moc/"))
        && simple.endsWith("Options");
  }

  private static String className(String entry) {
    return entry.substring(0, entry.length() - ".class".length()).replace('/', '.');
  }
}
