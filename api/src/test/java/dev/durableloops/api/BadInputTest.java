package dev.durableloops.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.jayway.jsonpath.JsonPath;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Bad input, over real HTTP against the whole app (Temporal's test server, the real worker): each
 * input gets the right 4xx, none a 5xx, the app keeps serving, and a loop running through it all
 * is unaffected. Prints a one-line tally.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"spring.temporal.test-server.enabled=true", "durable-loops.api-token=" + TestAuth.TOKEN})
@Import(TestServerSearchAttributes.class)
@Timeout(180)
class BadInputTest {

  // Not deleted by JUnit: the app (a cached Spring context) and its worker outlive this class.
  @TempDir(cleanup = CleanupMode.NEVER) static Path tmp;
  static Path repo;

  @LocalServerPort int port;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  int tried;
  int correct;
  int crashes;
  final List<String> wrong = new ArrayList<>();

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registry.add("durable-loops.data-dir", () -> tmp.resolve("data").toString());
    registry.add("durable-loops.allowed-roots", () -> tmp.resolve("allowed").toString());
  }

  @BeforeAll
  static void createRepository() throws Exception {
    repo = DevServers.repository(tmp.resolve("allowed/repo"), java.util.Map.of("a.txt", "a\n"));
    Files.createDirectories(tmp.resolve("outside"));
    Files.createSymbolicLink(tmp.resolve("allowed/escape"), tmp.resolve("outside"));
  }

  private HttpResponse<String> send(String method, String path, HttpRequest.BodyPublisher body, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/json").method(method, body == null ? HttpRequest.BodyPublishers.noBody() : body);
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> send(String method, String path, String body) throws Exception {
    return send(method, path, body == null ? null : HttpRequest.BodyPublishers.ofString(body), TestAuth.TOKEN);
  }

  private void expect(String what, HttpResponse<String> response, Integer... statuses) {
    tried++;
    int status = response.statusCode();
    if (status >= 500) {
      crashes++;
    }
    if (Set.of(statuses).contains(status)) {
      correct++;
      // Tomcat itself refuses some malformed request lines (an encoded '/' or NUL in the path) with
      // its own terse page before any application code runs; everything else is problem+json.
      boolean container = response.headers().firstValue("Content-Type").orElse("").startsWith("text/html");
      if (status >= 400 && !(container && what.startsWith("GET /api/loops/") && what.contains("%"))) {
        assertThat(response.headers().firstValue("Content-Type").orElse("")).as(what).contains("json");
        assertThat(response.body()).as(what).doesNotContain("Exception").doesNotContain("\tat ");
      }
    } else {
      wrong.add(what + " -> " + status + " " + response.body());
    }
  }

  private static String spec(String name, String goal, String repository, String extra) {
    return """
        {"name": %s, "goal": %s, "workspace": {"repository": %s},
         "make": {"command": "sleep 2; echo fixed > a.txt"}, "checks": [{"name": "t", "command": "grep -q fixed a.txt"}]%s}
        """.formatted(json(name), json(goal), json(repository), extra);
  }

  private static String json(String s) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.append('"').toString();
  }

  private String awaitStatus(String id, String... statuses) {
    return await(id + " reaching " + List.of(statuses)).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
        .until(() -> send("GET", "/api/loops/" + id, null).body(), state -> Set.of(statuses).contains(JsonPath.<String>read(state, "$.status")));
  }

  @Test
  void badInputIsRefusedAndNothingBreaks() throws Exception {
    // A loop running through all of it; user text full of shell syntax reaches commands only as data.
    String hostile = "$(touch pwned-goal) `touch pwned-tick`; touch pwned-semi | rm -rf . && echo \"x\" '\n\u0007";
    expect("hostile goal starts", send("POST", "/api/loops",
        spec("survivor", hostile, repo.toString(), ", \"gate\": {\"approval\": \"ON_PASS\"}")), 201);
    expect("hostile note", send("POST", "/api/loops/loop-survivor/notes", "{\"text\": " + json(hostile) + "}"), 202);

    // Authentication.
    expect("no token", send("GET", "/api/loops", null, null), 401);
    expect("wrong token", send("GET", "/api/loops", null, "not-the-token"), 401);
    expect("token as prefix", send("GET", "/api/loops", null, TestAuth.TOKEN + "x"), 401);
    expect("no token on start", send("POST", "/api/loops", HttpRequest.BodyPublishers.ofString(spec("x", "g", repo.toString(), "")), null), 401);

    // Malformed and mistyped JSON.
    for (String body : List.of("{", "[]", "\"spec\"", "null", "", "{\"name\": 1}", "{\"name\": \"x\", \"caps\": \"big\"}",
        "{\"name\": \"x\", \"checks\": {}}", "{\"nаme\": \"cyrillic a\"}", "{\"name\": \"x\"} trailing")) {
      expect("malformed " + body, send("POST", "/api/loops", body), 400);
    }
    expect("wrong content type", send("POST", "/api/loops", HttpRequest.BodyPublishers.ofString("name=x"), TestAuth.TOKEN), 400, 415);

    // Sizes.
    expect("huge goal", send("POST", "/api/loops", spec("big", "g".repeat(20_000), repo.toString(), "")), 400);
    expect("huge name", send("POST", "/api/loops", spec("n".repeat(1_000), "g", repo.toString(), "")), 400);
    String megabyte = spec("mb", "g".repeat(1 << 20), repo.toString(), "");
    expect("1 MB body", send("POST", "/api/loops", megabyte), 413);
    expect("1 MB chunked body", send("POST", "/api/loops",
        HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(megabyte.getBytes())), TestAuth.TOKEN), 413);
    expect("too many checks", send("POST", "/api/loops", spec("many", "g", repo.toString(), "").replace(
        "[{\"name\": \"t\", \"command\": \"grep -q fixed a.txt\"}]",
        "[" + String.join(",", java.util.Collections.nCopies(30, "{\"name\": \"t\", \"command\": \"true\"}")) + "]")), 400);

    // Names: unicode, control characters, shell syntax.
    for (String name : List.of("fïx", "a b", "a\u0000b", "../x", "$(id)", "-x", "A", "")) {
      expect("name " + name, send("POST", "/api/loops", spec(name, "g", repo.toString(), "")), 400);
    }
    expect("NUL in goal", send("POST", "/api/loops", spec("nul", "a\u0000b", repo.toString(), "")), 400);

    // Where loops may work.
    for (String where : List.of("relative/path", repo + "/../repo", "file://" + repo, tmp.resolve("outside").toString(),
        tmp.resolve("allowed/escape").toString(), "/etc", "https://evil.example/x.git", "ssh://git@evil.example/x.git",
        "git@evil.example:x/y.git", "ftp://x/y", tmp.resolve("allowed/missing").toString())) {
      expect("repository " + where, send("POST", "/api/loops", spec("where", "g", where, "")), 400);
    }
    expect("branch injection", send("POST", "/api/loops", spec("br", "g", repo.toString(), "").replace(
        "\"repository\": " + json(repo.toString()), "\"repository\": " + json(repo.toString()) + ", \"branch\": \"--upload-pack=touch\"")), 400);

    // Durations, enums, caps, env.
    for (String extra : List.of(", \"caps\": {\"maxDuration\": \"PT\"}", ", \"caps\": {\"maxDuration\": \"P1M\"}",
        ", \"caps\": {\"maxDuration\": \"-PT5M\"}", ", \"caps\": {\"maxIterations\": -1}", ", \"caps\": {\"maxCostUsd\": 0}",
        ", \"gate\": {\"approval\": \"sometimes\"}", ", \"gate\": {\"approvalTimeout\": \"forever\"}",
        ", \"env\": {\"LOOP_ID\": \"x\"}", ", \"env\": {\"lower\": \"x\"}", ", \"env\": {\"K\": \"${secret:missing}\"}",
        ", \"passEnv\": [\"$(id)\"]", ", \"unknownField\": 1")) {
      expect("spec" + extra, send("POST", "/api/loops", spec("opts", "g", repo.toString(), extra)), 400);
    }

    // Ids and paths.
    for (String path : List.of("/api/loops/loop-none", "/api/loops/..%2F..%2Fetc", "/api/loops/" + "x".repeat(5_000),
        "/api/loops/%00", "/api/loops/loop-none/checkpoints/1/diff", "/api/loops/loop-survivor/checkpoints/99/diff")) {
      expect("GET " + path, send("GET", path, null), 400, 404);
    }
    expect("checkpoint not a number", send("GET", "/api/loops/loop-survivor/checkpoints/abc/diff", null), 400);
    expect("status filter", send("GET", "/api/loops?status=BOGUS", null), 400);
    expect("decision on unknown loop", send("POST", "/api/loops/loop-none/decision", "{\"decision\": \"APPROVE\", \"diffHash\": \"x\"}"), 404);
    expect("decision without hash", send("POST", "/api/loops/loop-survivor/decision", "{\"decision\": \"APPROVE\"}"), 400);
    expect("decision of another kind", send("POST", "/api/loops/loop-survivor/decision", "{\"decision\": \"MAYBE\", \"diffHash\": \"x\"}"), 400);
    expect("rollback to nothing", send("POST", "/api/loops/loop-survivor/rollback", "{\"checkpoint\": 7}"), 409);
    expect("empty note", send("POST", "/api/loops/loop-survivor/notes", "{\"text\": \"\"}"), 400);

    // Concurrent conflicting decisions on the pending attempt: exactly one wins.
    String waiting = awaitStatus("loop-survivor", "AWAITING_APPROVAL");
    String hash = JsonPath.read(waiting, "$.pendingDecision.diffHash");
    expect("wrong diff hash", send("POST", "/api/loops/loop-survivor/decision", "{\"decision\": \"APPROVE\", \"diffHash\": \"0000\"}"), 409);
    CountDownLatch go = new CountDownLatch(1);
    List<CompletableFuture<HttpResponse<String>>> racing = new ArrayList<>();
    for (String kind : List.of("APPROVE", "REJECT", "APPROVE", "REJECT")) {
      racing.add(CompletableFuture.supplyAsync(() -> {
        try {
          go.await();
          return send("POST", "/api/loops/loop-survivor/decision", "{\"decision\": \"" + kind + "\", \"diffHash\": \"" + hash + "\"}");
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }));
    }
    go.countDown();
    List<Integer> outcomes = racing.stream().map(CompletableFuture::join).map(HttpResponse::statusCode).sorted().toList();
    tried += 4;
    if (outcomes.equals(List.of(200, 409, 409, 409))) {
      correct += 4;
    } else {
      wrong.add("concurrent decisions -> " + outcomes);
    }

    // Still serving, and the loop went on as if nothing happened.
    expect("still serving", send("GET", "/api/loops/loop-survivor", null), 200);
    String after = awaitStatus("loop-survivor", "SUCCEEDED", "RUNNING", "CAPPED", "STALLED", "FAILED");
    assertThat(JsonPath.<String>read(after, "$.status")).isIn("SUCCEEDED", "RUNNING");
    try (var files = Files.list(tmp.resolve("data/loops/loop-survivor/workspace"))) {
      assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("pwned"));
    }
    assertThat(JsonPath.<String>read(after, "$.notes[0].text")).isEqualTo(hostile);

    send("POST", "/api/loops/loop-survivor/cancel", null);
    System.out.printf("bad input: %d inputs tried, %d answered as expected (the right 4xx, or accepted and harmless), %d crashes%n", tried, correct, crashes);
    assertThat(wrong).isEmpty();
    assertThat(crashes).isZero();
    assertThat(correct).isEqualTo(tried);
  }
}
