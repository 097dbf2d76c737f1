package dev.durableloops.api;

import dev.durableloops.workflows.state.Checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.jayway.jsonpath.JsonPath;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.testing.TemporalDevServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * End to end: the real Temporal CLI dev server (a child process, started by the SDK's
 * {@link TemporalDevServer} from the binary deploy/test.sh installs), the whole app on a random
 * port, and the shipped slugify example loop driven only through HTTP — rejected iterations with
 * reflections, an approval, a checkpoint, SUCCEEDED — then Temporal's own history is read to check
 * the six loop activities are there by name.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@Timeout(300)
class DevServerEndToEndTest {

  // Not deleted by JUnit: the app (a cached Spring context) and its worker outlive this class.
  @TempDir(cleanup = CleanupMode.NEVER) static Path tmp;
  static TemporalDevServer server;

  @LocalServerPort int port;
  @Autowired WorkflowClient client;
  final HttpClient http = HttpClient.newHttpClient();

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    server = DevServers.start(tmp, registry);
  }

  @AfterAll
  static void stopServer() {
    if (server != null) {
      server.close();
    }
  }

  private String call(String method, String path, String body) throws Exception {
    HttpRequest.Builder req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/json").header("Authorization", "Bearer " + TestAuth.TOKEN);
    req.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> response = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(method + " " + path + ": " + response.body()).isLessThan(300);
    return response.body();
  }

  private String awaitStatus(String id, Set<String> statuses) {
    return await(id + " reaching " + statuses).atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(100))
        .until(() -> call("GET", "/api/loops/" + id, null), state -> statuses.contains(JsonPath.<String>read(state, "$.status")));
  }

  @Test
  void theExampleLoopRunsEndToEndThroughTheApi() throws Exception {
    Path example = Path.of("..", "examples", "slugify").toAbsolutePath().normalize();
    TreeMap<String, String> files = new TreeMap<>();
    try (var list = Files.list(example.resolve("repo"))) {
      for (Path p : list.toList()) {
        files.put(p.getFileName().toString(), Files.readString(p));
      }
    }
    Path repo = DevServers.repository(tmp.resolve("slugify-repo"), files);
    String spec = Files.readString(example.resolve("loop.json"))
        .replace("${REPOSITORY}", repo.toString()).replace("${EXAMPLE_DIR}", example.toString());

    String id = JsonPath.read(call("POST", "/api/loops", spec), "$.id");
    assertThat(id).isEqualTo("loop-fix-slugify");

    String waiting = awaitStatus(id, Set.of("AWAITING_APPROVAL", "FAILED", "STALLED", "CAPPED"));
    assertThat(JsonPath.<String>read(waiting, "$.status")).isEqualTo("AWAITING_APPROVAL");
    assertThat(JsonPath.<List<String>>read(waiting, "$.reflections[*].text")).hasSize(2)
        .allSatisfy(text -> assertThat(text).contains("tests failing"));
    String diffHash = JsonPath.read(waiting, "$.pendingDecision.diffHash");
    call("POST", "/api/loops/" + id + "/decision", "{\"decision\": \"APPROVE\", \"diffHash\": \"" + diffHash + "\", \"by\": \"e2e\"}");

    String done = awaitStatus(id, Set.of("SUCCEEDED", "FAILED", "STALLED", "CAPPED"));
    assertThat(JsonPath.<String>read(done, "$.status")).isEqualTo("SUCCEEDED");
    assertThat(JsonPath.<Integer>read(done, "$.checkpoints.length()")).isEqualTo(1);
    assertThat(call("GET", "/api/loops/" + id + "/checkpoints/1/diff", null)).contains("+import unicodedata");

    // The loop is listed from visibility with its search attributes (visibility lags a little).
    String listed = await("the loop listed from visibility").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
        .until(() -> call("GET", "/api/loops?status=SUCCEEDED", null), l -> JsonPath.<List<String>>read(l, "$[*].id").contains(id));
    assertThat(JsonPath.<List<String>>read(listed, "$[*].id")).contains(id);

    // Temporal's history reads as the loop.
    List<String> activityTypes = client.fetchHistory(id).getEvents().stream()
        .filter(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
        .map(HistoryEvent::getActivityTaskScheduledEventAttributes)
        .map(a -> a.getActivityType().getName())
        .toList();
    // Since the lean iteration (issue 23) the task without a discover command and the gate without a
    // reviewer are workflow code, and Reflect throws a rejected attempt away: no Discover, Gate or Discard activity.
    assertThat(activityTypes).contains("Plan", "Make", "Check", "Reflect", "Checkpoint")
        .doesNotContain("Discover", "Gate", "Discard");
    assertThat(activityTypes.stream().filter("Make"::equals).count()).isEqualTo(3);
  }
}
