package dev.durableloops.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The deployment files for people with Docker or Kubernetes, checked statically (no Docker engine
 * or cluster runs here): they parse, name the jar the build makes, the port and profiles the app
 * has, only environment variables the app reads, the Temporal versions {@code deploy/lib.sh} builds,
 * and mount the git store where {@code DURABLE_LOOPS_GIT_STORE} points; the image runs as a numeric
 * user under an init process and its build context leaves local state out; Compose publishes on
 * loopback only; the manifest's pods run as that user and are probed, scraped and found by the
 * Services they name. The schemas and the Dockerfile linter are {@code deploy/validate.sh}'s.
 */
class DeploymentFilesTest {

  static final Path DEPLOY = Path.of("..", "deploy");
  /** The numeric user and group of the image (Dockerfile {@code USER}) and of the manifest's pods. */
  static final int IMAGE_UID = 10001;
  static Set<String> knownEnv;
  static String libSh;

  @BeforeAll
  static void readTheCode() throws Exception {
    // Spring Boot's own and the JVM launcher's, which the files set besides the app's settings.
    knownEnv = new HashSet<>(Set.of("SPRING_PROFILES_ACTIVE", "SPRING_CONFIG_IMPORT", "JDK_JAVA_OPTIONS"));
    StringBuilder applicationFiles = new StringBuilder();
    try (var files = Files.list(Path.of("src/main/resources"))) {
      for (Path file : files.filter(f -> f.getFileName().toString().startsWith("application")).toList()) {
        applicationFiles.append(Files.readString(file));
      }
    }
    String application = applicationFiles.toString();
    Matcher placeholders = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)[:}]").matcher(application);
    while (placeholders.find()) {
      knownEnv.add(placeholders.group(1));
    }
    // Spring's relaxed binding: durable-loops.git-store is DURABLE_LOOPS_GIT_STORE.
    for (var component : LoopsProperties.class.getRecordComponents()) {
      String name = "DURABLE_LOOPS_" + envName(component.getName());
      knownEnv.add(name);
      // Nested settings records, e.g. durable-loops.sandbox.mode is DURABLE_LOOPS_SANDBOX_MODE.
      if (component.getType().isRecord()) {
        for (var nested : component.getType().getRecordComponents()) {
          knownEnv.add(name + "_" + envName(nested.getName()));
        }
      }
    }
    libSh = Files.readString(DEPLOY.resolve("lib.sh"));
  }

  private static String envName(String property) {
    return property.replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
  }

  private static String libVersion(String name) {
    Matcher m = Pattern.compile(name + "=\"v([0-9.]+)\"").matcher(libSh);
    assertThat(m.find()).as(name + " in deploy/lib.sh").isTrue();
    return m.group(1);
  }

  @Test
  void theImageRunsTheJarTheBuildMakes() throws Exception {
    String dockerfile = Files.readString(DEPLOY.resolve("Dockerfile"));
    String pom = Files.readString(Path.of("pom.xml"));
    assertThat(pom).contains("<finalName>durable-loops</finalName>");
    assertThat(dockerfile).contains("COPY api/target/durable-loops.jar /app/durable-loops.jar")
        .contains("ENTRYPOINT [\"/usr/bin/tini\", \"--\", \"java\", \"-XX:SharedArchiveFile=/app/application.jsa\", \"-XX:TieredStopAtLevel=1\", \"-jar\", \"/app/durable-loops.jar\"]")
        // The CDS training run's data directory (API token, grant key, worker id) is not kept in the image.
        .contains("-XX:ArchiveClassesAtExit=/app/application.jsa").contains("DURABLE_LOOPS_DATA_DIR=/tmp/cds-training")
        .contains("&& rm -rf /tmp/cds-training")
        .contains("extract --layers").contains(" tini ").contains(" bubblewrap ").contains(" socat ").contains(" ripgrep ")
        .contains("EXPOSE 8080").contains(" git ").contains(" python3 ");
    // deploy/run.sh and deploy/cluster.sh start the app with the image's JVM options.
    assertThat(libSh).contains("\"${APP_JAVA_OPTIONS--XX:TieredStopAtLevel=1}\"");
    // A numeric user, so Kubernetes can check runAsNonRoot; the manifest runs the pods as that user.
    Matcher user = Pattern.compile("^USER (\\d+):(\\d+)$", Pattern.MULTILINE).matcher(dockerfile);
    assertThat(user.find()).as("numeric USER in the Dockerfile").isTrue();
    assertThat(Integer.parseInt(user.group(1))).isEqualTo(IMAGE_UID).isPositive();
    // The build context is the repository root: an allow-list keeps local state out of it.
    List<String> ignore = Files.readAllLines(Path.of("..", ".dockerignore")).stream()
        .filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
    assertThat(ignore.get(0)).isEqualTo("*");
    assertThat(ignore).contains("**/.data", "**/.git", "**/target", "**/*token*");
    assertThat(ignore.get(ignore.size() - 1)).isEqualTo("!api/target/durable-loops.jar");
    assertThat(Files.readString(Path.of("src/main/resources/application.yaml"))).contains("port: ${PORT:8080}");
    Matcher env = Pattern.compile("^\\s+([A-Z][A-Z0-9_]+)=", Pattern.MULTILINE).matcher(dockerfile);
    while (env.find()) {
      assertThat(knownEnv).as("Dockerfile ENV").contains(env.group(1));
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void composeRunsTemporalOnPostgresTheApiAndWorkers() throws Exception {
    Map<String, Object> compose = new Yaml().load(Files.readString(DEPLOY.resolve("compose.yaml")));
    Map<String, Map<String, Object>> services = (Map<String, Map<String, Object>>) compose.get("services");
    assertThat(services).containsKeys("postgresql", "temporal", "temporal-ui", "api", "worker");
    assertThat((String) services.get("temporal").get("image")).endsWith(":" + libVersion("TEMPORAL_SERVER_VERSION"));
    assertThat((String) services.get("temporal-ui").get("image")).endsWith(":" + libVersion("TEMPORAL_UI_VERSION"));
    assertThat(((Map<String, Object>) services.get("temporal").get("environment")).get("DB")).isEqualTo("postgres12");
    for (String app : List.of("api", "worker")) {
      Map<String, Object> service = services.get(app);
      assertThat(service.get("image")).isEqualTo("durable-loops:dev");
      Map<String, Object> env = (Map<String, Object>) service.get("environment");
      assertThat(knownEnv).as(app + " environment").containsAll(env.keySet());
      assertThat(env.get("SPRING_PROFILES_ACTIVE")).isEqualTo(app);
      assertThat(Path.of("src/main/resources/application-" + app + ".yaml")).exists();
      String store = (String) env.get("DURABLE_LOOPS_GIT_STORE");
      assertThat((List<String>) service.get("volumes")).as(app + " mounts the git store")
          .contains("git-store:" + Path.of(store).getParent());
    }
    // A stopping worker drains its running steps: Compose waits longer than the drain before SIGKILL.
    Map<String, Object> worker = services.get("worker");
    assertThat(java.time.Duration.parse("PT" + ((String) worker.get("stop_grace_period")).toUpperCase(Locale.ROOT)))
        .isGreaterThan(java.time.Duration.parse("PT" + ((String) ((Map<String, Object>) worker.get("environment"))
            .get("DURABLE_LOOPS_DRAIN_TIMEOUT")).toUpperCase(Locale.ROOT)));
    assertThat((List<String>) services.get("api").get("ports")).contains("127.0.0.1:8080:8080");
    // Every published port is on loopback only.
    services.forEach((name, service) -> assertThat((List<String>) service.getOrDefault("ports", List.of()))
        .as(name + " ports").allSatisfy(p -> assertThat(p).startsWith("127.0.0.1:")));
    // Temporal's current images: the server, and admin-tools for the schema and the namespace.
    assertThat((String) services.get("temporal").get("image")).startsWith("temporalio/server:");
    for (String step : List.of("temporal-schema", "temporal-namespace")) {
      assertThat((String) services.get(step).get("image"))
          .startsWith("temporalio/admin-tools:" + libVersion("TEMPORAL_SERVER_VERSION") + "-");
    }
    assertThat(((Map<String, Map<String, String>>) services.get("temporal").get("depends_on")).get("temporal-schema"))
        .containsEntry("condition", "service_completed_successfully");
    for (String longRunning : List.of("postgresql", "temporal", "api", "worker")) {
      assertThat(services.get(longRunning)).as(longRunning + " health check").containsKey("healthcheck");
    }
    // The repositories are writable (Deliver pushes to them) and shared by the API and the workers.
    for (String app : List.of("api", "worker")) {
      assertThat((List<String>) services.get(app).get("volumes")).contains("repos:/repos");
    }
    // The schema step's script registers the search attributes deploy/lib.sh's dev server does.
    String setup = Files.readString(DEPLOY.resolve("compose/temporal-setup.sh"));
    Matcher attribute = Pattern.compile("--search-attribute (\\w+=\\w+)").matcher(libSh);
    int attributes = 0;
    while (attribute.find()) {
      assertThat(setup).contains(attribute.group(1));
      attributes++;
    }
    assertThat(attributes).isEqualTo(4);
    assertThat(((Map<String, Object>) services.get("api").get("build")).get("dockerfile")).isEqualTo("deploy/Dockerfile");
  }

  @Test
  @SuppressWarnings("unchecked")
  void kubernetesRunsTheApiAndStatefulWorkersOnASharedStore() throws Exception {
    List<Map<String, Object>> docs = new ArrayList<>();
    StreamSupport.stream(new Yaml().loadAll(Files.readString(DEPLOY.resolve("kubernetes/durable-loops.yaml"))).spliterator(), false)
        .forEach(d -> docs.add((Map<String, Object>) d));
    Map<String, Map<String, Object>> byKind = new java.util.HashMap<>();
    for (Map<String, Object> d : docs) {
      byKind.put(d.get("kind") + "/" + ((Map<String, Object>) d.get("metadata")).get("name"), d);
    }
    assertThat(byKind).containsKeys("ConfigMap/durable-loops", "PersistentVolumeClaim/durable-loops-git-store",
        "Deployment/durable-loops-api", "Service/durable-loops-api", "StatefulSet/durable-loops-worker",
        "PersistentVolumeClaim/durable-loops-api-data", "PersistentVolumeClaim/durable-loops-repos",
        "PodDisruptionBudget/durable-loops-worker");
    // The Service the StatefulSet names exists and is headless.
    String serviceName = (String) ((Map<String, Object>) byKind.get("StatefulSet/durable-loops-worker").get("spec")).get("serviceName");
    assertThat(byKind).containsKey("Service/" + serviceName);
    assertThat(((Map<String, Object>) byKind.get("Service/" + serviceName).get("spec")).get("clusterIP")).isEqualTo("None");
    Map<String, Object> config = (Map<String, Object>) byKind.get("ConfigMap/durable-loops").get("data");
    assertThat(knownEnv).as("ConfigMap keys").containsAll(config.keySet());
    String storeDir = Path.of((String) config.get("DURABLE_LOOPS_GIT_STORE")).getParent().toString();
    assertThat((List<String>) ((Map<String, Object>) byKind.get("PersistentVolumeClaim/durable-loops-git-store").get("spec"))
        .get("accessModes")).containsExactly("ReadWriteMany");
    for (String workload : List.of("Deployment/durable-loops-api", "StatefulSet/durable-loops-worker")) {
      Map<String, Object> spec = (Map<String, Object>) byKind.get(workload).get("spec");
      Map<String, Object> pod = (Map<String, Object>) ((Map<String, Object>) spec.get("template")).get("spec");
      Map<String, Object> container = ((List<Map<String, Object>>) pod.get("containers")).get(0);
      assertThat(container.get("image")).isEqualTo("durable-loops:dev");
      List<Map<String, Object>> env = (List<Map<String, Object>>) container.get("env");
      assertThat(env).extracting(e -> (String) e.get("name")).allSatisfy(name -> assertThat(knownEnv).contains(name));
      String profile = env.stream().filter(e -> "SPRING_PROFILES_ACTIVE".equals(e.get("name"))).map(e -> (String) e.get("value"))
          .findFirst().orElseThrow();
      assertThat(Path.of("src/main/resources/application-" + profile + ".yaml")).exists();
      assertThat((List<Map<String, Object>>) container.get("volumeMounts")).extracting(m -> m.get("name") + ":" + m.get("mountPath"))
          .contains("git-store:" + storeDir, "data:/data", "repos:/repos");
      // The image's numeric user, checked by the kubelet; the volumes' group is that user's.
      Map<String, Object> security = (Map<String, Object>) pod.get("securityContext");
      assertThat(security).containsEntry("runAsNonRoot", true).containsEntry("runAsUser", IMAGE_UID)
          .containsEntry("runAsGroup", IMAGE_UID).containsEntry("fsGroup", IMAGE_UID);
      assertThat(container).as(workload + " probes").containsKeys("startupProbe", "readinessProbe", "livenessProbe", "resources");
      assertThat(((Map<String, Map<String, Object>>) container.get("readinessProbe")).get("httpGet"))
          .containsEntry("path", "/actuator/health/readiness");
      // Prometheus scrapes the port the pod serves /actuator/prometheus on.
      Map<String, String> annotations = (Map<String, String>) ((Map<String, Object>) ((Map<String, Object>) spec.get("template"))
          .get("metadata")).get("annotations");
      assertThat(annotations).containsEntry("prometheus.io/scrape", "true").containsEntry("prometheus.io/path", "/actuator/prometheus");
      assertThat(((List<Map<String, Object>>) container.get("ports")).get(0).get("containerPort"))
          .isEqualTo(Integer.parseInt(annotations.get("prometheus.io/port")));
    }
    // The API's state (token, named tokens, rules) is on a claim, not an emptyDir.
    Map<String, Object> apiPod = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) byKind
        .get("Deployment/durable-loops-api").get("spec")).get("template")).get("spec");
    assertThat((List<Map<String, Object>>) apiPod.get("volumes")).filteredOn(v -> "data".equals(v.get("name")))
        .extracting(v -> ((Map<String, Object>) v.get("persistentVolumeClaim")).get("claimName"))
        .containsExactly("durable-loops-api-data");
    // A stopping worker pod drains its running steps: the kubelet waits longer than the drain.
    Map<String, Object> workerPod = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) byKind
        .get("StatefulSet/durable-loops-worker").get("spec")).get("template")).get("spec");
    String drain = ((List<Map<String, Object>>) ((List<Map<String, Object>>) workerPod.get("containers")).get(0).get("env")).stream()
        .filter(e -> "DURABLE_LOOPS_DRAIN_TIMEOUT".equals(e.get("name"))).map(e -> (String) e.get("value")).findFirst().orElseThrow();
    assertThat(java.time.Duration.ofSeconds((Integer) workerPod.get("terminationGracePeriodSeconds")))
        .isGreaterThan(java.time.Duration.parse("PT" + drain.toUpperCase(Locale.ROOT)));
    Map<String, Object> api = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) byKind.get("Deployment/durable-loops-api")
        .get("spec")).get("template")).get("spec");
    assertThat(((List<Map<String, Object>>) ((List<Map<String, Object>>) api.get("containers")).get(0).get("ports")).get(0).get("containerPort"))
        .isEqualTo(8080);
  }
}
