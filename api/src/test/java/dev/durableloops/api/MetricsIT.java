package dev.durableloops.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.jayway.jsonpath.JsonPath;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The metrics a dashboard reads, on the Kubernetes layout (an {@code api} machine and a
 * {@code worker} machine, the packaged app on the dev server), after a loop that waited for an
 * approval: the trace of the request that started the loop reaches the worker's structured (JSON) step log lines;
 * every metric the queries of {@code deploy/grafana/durable-loops.json} name is in a scrape; the fleet-wide {@code loop_loops} comes from the API alone; every loop metric has a help
 * text and no placeholder label; the Temporal SDK's histograms have bounded buckets. Prints the
 * series each process exports.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class MetricsIT {

  static final Path DASHBOARD = Path.of("..", "deploy", "grafana", "durable-loops.json");

  /** Most buckets (le values, {@code +Inf} included) a {@code temporal_*} histogram may have. */
  static final int MAX_TEMPORAL_BUCKETS = 10;

  @TempDir Path tmp;

  @Test
  void theDashboardReadsWhatTheProcessesExport() throws Exception {
    assumeTrue(Platform.available(), "needs the Temporal CLI (deploy/test.sh installs it) and the packaged app jar (mvn verify)");
    try (Platform platform = new Platform(tmp)) {
      platform.startServer();
      // The worker logs structured JSON (ECS): its lines carry the trace id too.
      platform.startMachine("worker", "worker", Map.of("DURABLE_LOOPS_WORKER_ID", "worker", "LOGGING_STRUCTURED_FORMAT_CONSOLE", "ecs"));
      platform.startMachine("api", "api", Map.of());
      Platform.App api = platform.machine("api");
      Platform.App worker = platform.machine("worker");

      Path repo = platform.repository("metrics", Map.of("a.txt", "a\n"));
      // The caller's trace (W3C traceparent) goes on through the API, Temporal and the worker.
      byte[] id = new byte[16];
      new java.security.SecureRandom().nextBytes(id);
      String traceId = java.util.HexFormat.of().formatHex(id);
      var started = platform.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port + "/api/loops"))
          .header("Content-Type", "application/json").header("Authorization", "Bearer " + TestAuth.TOKEN)
          .header("traceparent", "00-" + traceId + "-00f067aa0ba902b7-01")
          .POST(HttpRequest.BodyPublishers.ofString("""
              {"name": "metrics", "goal": "Fix a.txt", "workspace": {"repository": "%s"},
               "make": {"command": "echo fixed > a.txt; printf '{\\"costUsd\\": 0.25, \\"tokens\\": 100}' > \\"$LOOP_RESULT_FILE\\""},
               "checks": [{"name": "fixed", "command": "grep -q fixed a.txt"}],
               "gate": {"approval": "ON_PASS"}}
              """.formatted(repo))).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(started.statusCode()).as(started.body()).isEqualTo(201);
      String waiting = api.awaitState("loop-metrics", Set.of("AWAITING_APPROVAL"), Duration.ofMinutes(2));
      String diffHash = JsonPath.read(waiting, "$.pendingDecision.diffHash");
      var decided = api.send("POST", "/api/loops/loop-metrics/decision", "{\"decision\": \"APPROVE\", \"diffHash\": \"" + diffHash + "\"}");
      assertThat(decided.statusCode()).as(decided.body()).isLessThan(300);
      api.awaitState("loop-metrics", Set.of("SUCCEEDED"), Duration.ofMinutes(2));
      List<String> makeLines = Files.readAllLines(tmp.resolve("worker.log")).stream().filter(l -> l.contains("Make completed in")).toList();
      assertThat(makeLines).as("the worker's Make line carries the caller's trace id " + traceId)
          .anyMatch(l -> l.startsWith("{") && l.contains("\"" + traceId + "\""));

      // The fleet-wide gauges are refreshed every 30 s, by the API alone.
      String apiScrape = await("loop_loops counts the loop").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(2))
          .until(() -> api.call("GET", "/actuator/prometheus", null),
              s -> s.contains("loop_loops{application=\"durable-loops\",status=\"SUCCEEDED\"} 1"));
      String workerScrape = worker.call("GET", "/actuator/prometheus", null);
      Scrape fromApi = new Scrape(apiScrape);
      Scrape fromWorker = new Scrape(workerScrape);
      System.out.println("series exported: " + Map.of("api", fromApi.summary(), "worker", fromWorker.summary()));
      // Kept for a look at what each process exports.
      Files.writeString(Path.of("target", "metrics-api.prom"), apiScrape);
      Files.writeString(Path.of("target", "metrics-worker.prom"), workerScrape);

      assertThat(fromApi.names()).contains("loop_loops");
      assertThat(fromWorker.names()).as("a worker exports no fleet-wide gauge").doesNotContain("loop_loops");

      Set<String> exported = new TreeSet<>(fromApi.names());
      exported.addAll(fromWorker.names());
      Set<String> used = dashboardMetrics();
      assertThat(used).as("metrics the dashboard reads").contains("loop_loops", "loop_approval_wait_seconds_sum",
          "temporal_activity_schedule_to_start_latency_seconds_bucket");
      assertThat(exported).as("what the API and the worker export").containsAll(used);

      for (Scrape scrape : List.of(fromApi, fromWorker)) {
        assertThat(scrape.undescribed("loop_")).as("loop metrics without a help text").isEmpty();
        assertThat(scrape.series().stream().filter(s -> s.startsWith("loop_") && s.contains("=\"none\"")).toList())
            .as("placeholder label values").isEmpty();
        assertThat(scrape.bucketsPerHistogram("temporal_")).as("buckets of each temporal_* histogram")
            .allSatisfy((name, buckets) -> assertThat(buckets).as(name).isLessThanOrEqualTo(MAX_TEMPORAL_BUCKETS));
      }
    }
  }

  /**
   * The metric names the dashboard's queries read: each {@code expr} without its label matchers,
   * range selectors, grouping clauses and function calls.
   */
  static Set<String> dashboardMetrics() throws Exception {
    JsonNode dashboard = new ObjectMapper().readTree(Files.readString(DASHBOARD));
    Set<String> names = new TreeSet<>();
    for (JsonNode expr : dashboard.findValues("expr")) {
      String query = expr.asText()
          .replaceAll("\\{[^}]*}", " ")
          .replaceAll("\\[[^]]*]", " ")
          .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
      Matcher m = Pattern.compile("\\b([a-zA-Z_:][a-zA-Z0-9_:]*)\\b(\\s*\\()?").matcher(query);
      while (m.find()) {
        if (m.group(2) == null && !Set.of("by", "without", "on", "ignoring", "bool", "and", "or", "unless", "offset").contains(m.group(1))) {
          names.add(m.group(1));
        }
      }
    }
    return names;
  }

  /** One Prometheus text scrape. */
  record Scrape(String text) {

    List<String> series() {
      return text.lines().filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
    }

    Set<String> names() {
      Set<String> names = new TreeSet<>();
      for (String line : series()) {
        names.add(line.split("[{ ]", 2)[0]);
      }
      return names;
    }

    /** Metric families named {@code prefix…} with no help text (or the name as their help). */
    List<String> undescribed(String prefix) {
      Map<String, String> help = new TreeMap<>();
      text.lines().filter(l -> l.startsWith("# HELP " + prefix)).forEach(l -> {
        String[] parts = l.split(" ", 4);
        help.put(parts[2], parts.length > 3 ? parts[3].strip() : "");
      });
      List<String> undescribed = new ArrayList<>();
      text.lines().filter(l -> l.startsWith("# TYPE " + prefix)).map(l -> l.split(" ")[2]).forEach(family -> {
        String h = help.getOrDefault(family, "");
        if (h.isEmpty() || h.equals(family)) {
          undescribed.add(family);
        }
      });
      return undescribed;
    }

    /** For each histogram named {@code prefix…_bucket}, how many distinct {@code le} values it has. */
    Map<String, Integer> bucketsPerHistogram(String prefix) {
      Map<String, Set<String>> les = new TreeMap<>();
      Pattern le = Pattern.compile("le=\"([^\"]*)\"");
      for (String line : series()) {
        String name = line.split("[{ ]", 2)[0];
        Matcher m = le.matcher(line);
        if (name.startsWith(prefix) && name.endsWith("_bucket") && m.find()) {
          les.computeIfAbsent(name, k -> new TreeSet<>()).add(m.group(1));
        }
      }
      Map<String, Integer> counts = new TreeMap<>();
      les.forEach((name, values) -> counts.put(name, values.size()));
      return counts;
    }

    String summary() {
      List<String> all = series();
      return all.size() + " series (" + all.stream().filter(s -> s.startsWith("temporal_")).count() + " temporal_*, "
          + all.stream().filter(s -> s.startsWith("temporal_") && s.contains("_bucket{")).count() + " of them buckets; "
          + all.stream().filter(s -> s.startsWith("loop_")).count() + " loop_*)";
    }
  }
}
