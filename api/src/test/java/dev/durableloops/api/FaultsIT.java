package dev.durableloops.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.jayway.jsonpath.JsonPath;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Temporal server unreachable while loops run and wait: the dev server is SIGKILLed for
 * {@code durable-loops.fault.outage-seconds} (default 60; the test run sets 20, {@code deploy/faults.sh} 60) while one loop's maker runs and another
 * waits for approval. Meanwhile every API call that needs Temporal answers 503 problem+json (counted
 * in the tally); afterwards the server starts again on its SQLite file, the running loop finishes
 * with its checkpoint, the waiting one takes its decision, and no step is lost. Prints
 * {@code fault: …} lines for {@code deploy/faults.sh}.
 */
@Tag("long") // deploy/long-tests.sh and CI run it; the default test run does not
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class FaultsIT {

  @TempDir static Path tmp;
  static Platform platform;

  static final int OUTAGE_SECONDS = Integer.getInteger("durable-loops.fault.outage-seconds", 60);

  @BeforeAll
  static void start() throws Exception {
    assumeTrue(Platform.available(), "needs the Temporal CLI (deploy/test.sh installs it) and the packaged app jar (mvn verify)");
    platform = new Platform(tmp);
    platform.startServer();
  }

  @AfterAll
  static void stop() throws Exception {
    if (platform != null) {
      platform.close();
    }
  }

  @Test
  void temporalUnreachableForAMinuteLosesNothing() throws Exception {
    Platform.App app = platform.startApp(true);
    app.call("POST", "/api/loops", Platform.fixSpec("outage-run", platform.repository("outage-run", Map.of("a.txt", "a\n")),
        "sleep 20; echo fixed > a.txt", "NEVER"));
    app.call("POST", "/api/loops", Platform.fixSpec("outage-wait", platform.repository("outage-wait", Map.of("a.txt", "a\n")),
        "echo fixed > a.txt", "ON_PASS"));
    String waiting = app.awaitState("loop-outage-wait", Set.of("AWAITING_APPROVAL"), Duration.ofMinutes(1));
    String diffHash = JsonPath.read(waiting, "$.pendingDecision.diffHash");
    app.awaitState("loop-outage-run", Set.of("RUNNING"), Duration.ofMinutes(1));

    String newLoop = Platform.fixSpec("outage-new", platform.repository("outage-new", Map.of("a.txt", "a\n")), "true", "NEVER");
    Platform.kill(platform.server);
    long down = System.nanoTime();
    Map<String, Integer> answers = new TreeMap<>();
    int calls = 0;
    int unavailable = 0;
    while (System.nanoTime() - down < Duration.ofSeconds(OUTAGE_SECONDS).toNanos()) {
      for (String[] call : new String[][] {{"GET", "/api/loops/loop-outage-run", null}, {"GET", "/api/loops", null},
          {"POST", "/api/loops/loop-outage-wait/notes", "{\"text\": \"sent during the outage\"}"},
          {"POST", "/api/loops", newLoop}}) {
        HttpResponse<String> r = app.send(call[0], call[1], call[2]);
        calls++;
        answers.merge(call[0] + " " + call[1] + " -> " + r.statusCode(), 1, Integer::sum);
        if (r.statusCode() == 503) {
          unavailable++;
          assertThat(r.headers().firstValue("Content-Type").orElse("")).contains("application/problem+json");
          assertThat(r.body()).contains("temporal-unavailable");
        }
      }
      Thread.sleep(2000);
    }
    long outage = Duration.ofNanos(System.nanoTime() - down).toSeconds();
    platform.startServer();

    String done = app.awaitState("loop-outage-run", Set.of("SUCCEEDED", "FAILED", "CAPPED", "STALLED"), Duration.ofMinutes(3));
    assertThat(JsonPath.<String>read(done, "$.status")).as(done).isEqualTo("SUCCEEDED");
    assertThat(JsonPath.<Integer>read(done, "$.checkpoints.length()")).isEqualTo(1);
    app.awaitState("loop-outage-wait", Set.of("AWAITING_APPROVAL"), Duration.ofMinutes(1));
    var decided = app.send("POST", "/api/loops/loop-outage-wait/decision", "{\"decision\": \"APPROVE\", \"diffHash\": \"" + diffHash + "\"}");
    assertThat(decided.statusCode()).as(decided.body()).isIn(200, 202);
    String approved = app.awaitState("loop-outage-wait", Set.of("SUCCEEDED", "FAILED", "CAPPED", "STALLED"), Duration.ofMinutes(2));
    assertThat(JsonPath.<String>read(approved, "$.status")).isEqualTo("SUCCEEDED");

    System.out.printf("fault: Temporal server unreachable for %d s: %d API calls, %d answered 503 problem+json, the rest %s%n",
        outage, calls, unavailable, answers.entrySet().stream().filter(e -> !e.getKey().endsWith("503")).toList());
    System.out.printf("fault: after the outage the running loop SUCCEEDED with its checkpoint and the waiting loop took its decision%n");
    assertThat(unavailable).as("every call needing Temporal answered 503: " + answers).isEqualTo(calls);
    Platform.kill(app.process);
  }
}
