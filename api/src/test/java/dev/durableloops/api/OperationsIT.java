package dev.durableloops.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.jayway.jsonpath.JsonPath;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What operators point their tools at, on the packaged app and the real dev server: liveness and
 * readiness (down when Temporal is gone, up with no worker anywhere, workers' presence a detail), and a Prometheus scrape after a
 * real loop that carries the loop metrics and the Temporal SDK's own.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class OperationsIT {

  @TempDir Path tmp;

  @Test
  void healthFollowsTemporalAndMetricsFollowTheLoop() throws Exception {
    assumeTrue(Platform.available(), "needs the Temporal CLI (deploy/test.sh installs it) and the packaged app jar (mvn verify)");
    try (Platform platform = new Platform(tmp)) {
      platform.startServer();
      // An API with no worker anywhere is ready: it serves (reads, decisions as Signals), and the
      // workers' absence is a detail of /actuator/health, not a reason to leave the Service.
      Platform.App apiOnly = platform.startApp(false);
      String apiReady = await("API-only readiness UP").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
          .until(() -> apiOnly.send("GET", "/actuator/health/readiness", null), r -> r.statusCode() == 200).body();
      assertThat(JsonPath.<String>read(apiReady, "$.status")).as(apiReady).isEqualTo("UP");
      assertThat(JsonPath.<Map<String, Object>>read(apiReady, "$.components")).as(apiReady).doesNotContainKey("workers");
      var apiHealth = apiOnly.send("GET", "/actuator/health", null);
      assertThat(apiHealth.statusCode()).as(apiHealth.body()).isEqualTo(200);
      assertThat(JsonPath.<String>read(apiHealth.body(), "$.components.workers.status")).isEqualTo("UP");
      assertThat(JsonPath.<Boolean>read(apiHealth.body(), "$.components.workers.details.polling")).as(apiHealth.body()).isFalse();
      Platform.kill(apiOnly.process);

      Platform.App app = platform.startApp(true, Map.of("LOGGING_STRUCTURED_FORMAT_CONSOLE", "ecs"));
      // Alive once started: the API can answer a moment before Spring publishes the started event
      // (the Temporal workers start last), and until then liveness is not yet CORRECT.
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60))
          .until(() -> app.status("GET", "/actuator/health/liveness", null) == 200);
      // Ready once Temporal answers; the worker is reported polling once it polls.
      String ready = await("readiness UP").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
          .until(() -> app.send("GET", "/actuator/health/readiness", null).body(), r -> "UP".equals(JsonPath.read(r, "$.status")));
      assertThat(JsonPath.<String>read(ready, "$.status")).as(ready).isEqualTo("UP");
      assertThat(JsonPath.<String>read(ready, "$.components.temporal.status")).isEqualTo("UP");
      await("worker reported polling").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
          .until(() -> app.send("GET", "/actuator/health", null).body(),
              h -> Boolean.TRUE.equals(JsonPath.read(h, "$.components.workers.details.polling")));

      Path repo = platform.repository("ops", Map.of("a.txt", "a\n"));
      app.call("POST", "/api/loops", """
          {"name": "ops", "goal": "Fix a.txt", "workspace": {"repository": "%s"},
           "make": {"command": "if [ \\"$LOOP_ITERATION\\" -ge 2 ]; then echo fixed > a.txt; fi; printf '{\\"costUsd\\": 0.25, \\"tokens\\": 100}' > \\"$LOOP_RESULT_FILE\\""},
           "checks": [{"name": "fixed", "command": "grep -q fixed a.txt"}]}
          """.formatted(repo));
      app.awaitState("loop-ops", Set.of("SUCCEEDED"), Duration.ofMinutes(2));
      String metrics = app.call("GET", "/actuator/prometheus", null);
      assertThat(metrics)
          .contains("loop_iterations_total{application=\"durable-loops\",verdict=\"ACCEPT\"} 1.0")
          .contains("loop_iterations_total{application=\"durable-loops\",verdict=\"REJECT\"} 1.0")
          .contains("loop_cost_usd_total{application=\"durable-loops\"} 0.5")
          .contains("loop_step_duration_seconds_count{application=\"durable-loops\",outcome=\"completed\",step=\"Make\"} 2")
          .contains("temporal_");

      // Structured logs: every step's line is JSON with the loop, iteration and step in its context.
      String makeLine = java.nio.file.Files.readAllLines(tmp.resolve("app-" + app.port + ".log")).stream()
          .filter(l -> l.startsWith("{") && l.contains("\"step\":\"Make\"")).findFirst().orElseThrow();
      assertThat(makeLine).contains("\"loopId\":\"loop-ops\"").contains("\"iteration\":\"1\"").contains("completed in");

      // Temporal gone: not ready (503), still alive.
      Platform.kill(platform.server);
      int readiness = await("readiness down").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
          .until(() -> app.status("GET", "/actuator/health/readiness", null), r -> r != 200);
      assertThat(readiness).isEqualTo(503);
      assertThat(app.status("GET", "/actuator/health/liveness", null)).isEqualTo(200);
    }
  }
}
