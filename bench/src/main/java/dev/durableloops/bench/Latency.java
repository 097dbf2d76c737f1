package dev.durableloops.bench;

import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a person waits for, through the packaged app's HTTP API: from sending {@code POST /api/loops}
 * to the loop's first step ({@code Prepare}) starting, and from the {@code POST .../decision}
 * response (an approval) to the next step ({@code Checkpoint}) starting. Each loop makes one
 * attempt that passes its check and waits for approval ({@code ON_PASS}). The step's start is its
 * {@code ActivityTaskStarted} event time (the dev server on the same machine, so the same clock);
 * a negative figure means the step started before the HTTP response arrived.
 */
final class Latency {

  private static final Pattern DIFF_HASH = Pattern.compile("\"diffHash\"\\s*:\\s*\"([0-9a-f]+)\"");

  /**
   * Milliseconds per trial: start → first step, decision response → next step, decision request →
   * next step, and the run's start → its first workflow task started (server time; about 0 when
   * the task came back with the start, eagerly).
   */
  record Result(List<Double> start, List<Double> decision, List<Double> decisionFromRequest, List<Double> firstWorkflowTask) {}

  private Latency() {}

  static Result measure(Path jar, String target, Path data, WorkflowClient client, int trials) throws Exception {
    String token = "bench-token-0123456789";
    java.nio.file.Files.createDirectories(data);
    int port = Recovery.freePort();
    Map<String, String> env = Map.of("PORT", Integer.toString(port), "TEMPORAL_ADDRESS", target,
        "DURABLE_LOOPS_DATA_DIR", data.resolve("app").toString(), "DURABLE_LOOPS_API_TOKEN", token,
        "DURABLE_LOOPS_ALLOWED_ROOTS", data.toString());
    Process app = Recovery.start(jar, env, data.resolve("app.log"));
    HttpClient http = HttpClient.newHttpClient();
    Result result = new Result(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    try {
      Recovery.awaitUp(http, port, token);
      for (int i = 0; i < trials; i++) {
        Path repo = TestRepo.create(data.resolve("repo-" + i), 5);
        String id = "loop-latency-" + i;
        String spec = """
            {"name": "latency-%d", "goal": "g", "workspace": {"repository": "%s"},
             "make": {"command": "echo change >> README.md"}, "checks": [{"name": "c", "command": "true"}],
             "gate": {"approval": "ON_PASS"}, "caps": {"maxIterations": 1}}
            """.formatted(i, repo);
        long started = System.currentTimeMillis();
        Recovery.post(http, port, token, "/api/loops", spec);
        String waiting = await(http, port, token, id, Set.of("AWAITING_APPROVAL"));
        Matcher hash = DIFF_HASH.matcher(waiting);
        if (!hash.find()) {
          throw new IllegalStateException("no diff hash in " + waiting);
        }
        // Let the page polling above settle, so the decision does not race a query.
        Thread.sleep(300);
        long requested = System.currentTimeMillis();
        Recovery.post(http, port, token, "/api/loops/" + id + "/decision",
            "{\"decision\": \"APPROVE\", \"diffHash\": \"" + hash.group(1) + "\", \"by\": \"bench\"}");
        long responded = System.currentTimeMillis();
        await(http, port, token, id, Set.of("SUCCEEDED", "FAILED", "CAPPED", "STALLED", "CANCELLED"));
        List<HistoryEvent> events = client.fetchHistory(id).getEvents();
        Long firstStep = null;
        Long runStarted = null;
        Long firstTask = null;
        Long afterDecision = null;
        boolean decided = false;
        for (HistoryEvent e : events) {
          if (e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED) {
            runStarted = Profile.millis(e);
          } else if (e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED && firstTask == null) {
            firstTask = Profile.millis(e);
          }
          if (e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED) {
            if (firstStep == null) {
              firstStep = Profile.millis(e);
            }
            if (decided && afterDecision == null) {
              afterDecision = Profile.millis(e);
            }
          } else if (e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
              || e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED) {
            decided = true;
          }
        }
        if (firstStep == null || afterDecision == null) {
          throw new IllegalStateException(id + ": no step after the start or after the decision in its history");
        }
        result.start().add((double) (firstStep - started));
        result.decision().add((double) (afterDecision - responded));
        result.decisionFromRequest().add((double) (afterDecision - requested));
        result.firstWorkflowTask().add((double) (firstTask - runStarted));
      }
      return result;
    } finally {
      app.destroyForcibly();
      app.waitFor(30, TimeUnit.SECONDS);
    }
  }

  private static String await(HttpClient http, int port, String token, String id, Set<String> statuses) throws Exception {
    for (int i = 0; i < 3_000; i++) {
      String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/loops/" + id))
          .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString()).body();
      for (String status : statuses) {
        if (body.contains("\"status\":\"" + status + "\"")) {
          return body;
        }
      }
      Thread.sleep(20);
    }
    throw new IllegalStateException(id + " never reached " + statuses);
  }
}
