package dev.durableloops.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.request;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import com.jayway.jsonpath.JsonPath;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MvcResult;

/**
 * The HTTP API in the whole app, against Temporal's in-memory test server with the real worker:
 * problem+json errors naming fields, and the life of a loop through the endpoints.
 */
class LoopApiTest extends AppTest {

  static Path repo;


  @BeforeAll
  static void createRepository() throws Exception {
    repo = repository("api-origin", java.util.Map.of("a.txt", "a\n"));
  }

  private static String spec(String name, String make) {
    return """
        {"name": "%s", "goal": "Write a line", "workspace": {"repository": "%s"},
         "make": {"command": "%s", "timeout": "PT1M"},
         "checks": [{"name": "tests", "command": "grep -q fixed a.txt"}],
         "gate": {"approval": "on_pass", "approvalTimeout": "PT1H"}}
        """.formatted(name, repo, make);
  }

  private String state(String id) throws Exception {
    return mvc.perform(get("/api/loops/" + id)).andReturn().getResponse().getContentAsString();
  }

  private static String sha256(String text) throws Exception {
    return java.util.HexFormat.of().formatHex(
        java.security.MessageDigest.getInstance("SHA-256").digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
  }

  @Test
  void invalidSpecsAreProblemsNamingEachField() throws Exception {
    mvc.perform(post("/api/loops").contentType(MediaType.APPLICATION_JSON).content("""
            {"name": "Bad Name!", "goal": "", "workspace": {"repository": "/x"},
             "make": {"command": "true", "timeout": "30 minutes"},
             "checks": [], "caps": {"maxIterations": 0}}
            """))
        .andExpect(status().isBadRequest())
        .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
        .andExpect(jsonPath("$.type").value("https://durable-loops.dev/problems/invalid-request"))
        .andExpect(jsonPath("$.errors[*].field").value(org.hamcrest.Matchers.containsInAnyOrder(
            "caps.maxIterations", "checks", "goal", "make.timeout", "name")))
        .andExpect(jsonPath("$.detail").value("caps.maxIterations: must be greater than 0 (and 4 more)"));
  }

  @Test
  void aFanOutWithoutDiscoverIsAProblemNamingFanOut() throws Exception {
    mvc.perform(post("/api/loops").contentType(MediaType.APPLICATION_JSON)
            .content(spec("fan", "true").replace("\"gate\"", "\"fanOut\": {\"maxParallel\": 2}, \"gate\"")))
        .andExpect(status().isBadRequest())
        .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
        .andExpect(jsonPath("$.errors[0].field").value("fanOut"))
        .andExpect(jsonPath("$.errors[0].message").value(org.hamcrest.Matchers.containsString("needs discover")));
  }

  @Test
  void aFanOutRunsItsTasksAsChildLoopsAndLandsThem() throws Exception {
    Path fleet = repository("api-fleet", java.util.Map.of("a.txt", "todo\n", "b.txt", "todo\n"));
    String body = """
        {"name": "fleet", "goal": "Finish the tasks", "workspace": {"repository": "%s"},
         "discover": {"command": "for t in a b; do grep -qx done $t.txt || echo $t; done"},
         "make": {"command": "t=$(printf '%%s\\\\n' \\"$LOOP_GOAL\\" | sed -n 's/^Task (one of a fan-out): //p'); echo done > $t.txt", "timeout": "PT1M"},
         "checks": [{"name": "tests", "command": "true"}],
         "fanOut": {"maxParallel": 2}}
        """.formatted(fleet);
    MvcResult started = mvc.perform(post("/api/loops").contentType(MediaType.APPLICATION_JSON).content(body))
        .andExpect(status().isCreated()).andReturn();
    String id = JsonPath.read(started.getResponse().getContentAsString(), "$.id");
    await().atMost(Duration.ofSeconds(90)).until(() -> "SUCCEEDED".equals(JsonPath.read(state(id), "$.status")));
    String parent = state(id);
    List<String> children = JsonPath.read(parent, "$.fleet.children[*].loopId");
    assertThat(children).containsExactlyInAnyOrder(id + "-t1", id + "-t2");
    assertThat(JsonPath.<List<String>>read(parent, "$.fleet.children[*].status")).containsOnly("LANDED");
    // Each child is a loop of its own: readable through the API like any other.
    assertThat(JsonPath.<String>read(state(id + "-t1"), "$.status")).isEqualTo("SUCCEEDED");
    // The in-memory test server lists no executions; the list's parent field is LoopReaderTest's.
  }

  @Test
  void unknownFieldsWrongTypesAndBrokenJsonAreProblemsToo() throws Exception {
    mvc.perform(post("/api/loops").contentType(MediaType.APPLICATION_JSON).content(spec("x", "true").replace("\"goal\"", "\"gaol\"")))
        .andExpect(status().isBadRequest())
        .andExpect(jsonPath("$.errors[0].field").value("gaol"))
        .andExpect(jsonPath("$.errors[0].message").value("unknown field"));
    mvc.perform(post("/api/loops").contentType(MediaType.APPLICATION_JSON).content(spec("x", "true").replace("\"on_pass\"", "\"sometimes\"")))
        .andExpect(status().isBadRequest())
        .andExpect(jsonPath("$.errors[0].field").value("gate.approval"));
    mvc.perform(post("/api/loops").contentType(MediaType.APPLICATION_JSON).content("{\"name\": "))
        .andExpect(status().isBadRequest())
        .andExpect(jsonPath("$.title").value("Unreadable request body"))
        .andExpect(jsonPath("$.detail").value(org.hamcrest.Matchers.not(org.hamcrest.Matchers.containsString("Exception"))));
  }

  @Test
  void attemptsThatDisagreeWithTheVariantsAreAProblemNamingMakeAttempts() throws Exception {
    String spec = spec("api-attempts", "true").replace("\"timeout\": \"PT1M\"}",
        "\"timeout\": \"PT1M\", \"attempts\": 3, \"variants\": [{\"name\": \"a\", \"command\": \"true\"}, {\"command\": \"true\"}]}");
    mvc.perform(post("/api/loops").contentType(MediaType.APPLICATION_JSON).content(spec))
        .andExpect(status().isBadRequest())
        .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
        .andExpect(jsonPath("$.errors[0].field").value("make.attempts"));
  }

  @Test
  void aBestOfNIterationShowsItsAttemptsAndAPersonApprovesAnotherThanTheGatesPick() throws Exception {
    String spec = spec("api-best", "true").replace("\"timeout\": \"PT1M\"}", "\"timeout\": \"PT1M\", \"variants\": ["
        + "{\"name\": \"short\", \"command\": \"echo fixed > a.txt\"}, "
        + "{\"name\": \"long\", \"command\": \"printf 'fixed\\\\nmore\\\\n' > a.txt\"}]}");
    mvc.perform(post("/api/loops").contentType(MediaType.APPLICATION_JSON).content(spec)).andExpect(status().isCreated());
    String waiting = await().atMost(Duration.ofSeconds(30)).until(() -> state("loop-api-best"),
        s -> "AWAITING_APPROVAL".equals(JsonPath.read(s, "$.status")));
    assertThat(JsonPath.<List<Integer>>read(waiting, "$.pendingDecision.attempts[*].attempt")).containsExactly(1, 2);
    String second = JsonPath.read(waiting, "$.pendingDecision.attempts[1].diffHash");
    String diff = mvc.perform(get("/api/loops/loop-api-best/attempts/1/2/diff"))
        .andExpect(status().isOk()).andReturn().getResponse().getContentAsString();
    assertThat(diff).contains("+more");
    assertThat(sha256(diff)).isEqualTo(second);
    mvc.perform(post("/api/loops/loop-api-best/decision").contentType(MediaType.APPLICATION_JSON)
            .content("{\"decision\": \"APPROVE\", \"diffHash\": \"" + second + "\", \"attempt\": 2}"))
        .andExpect(status().isOk());
    await().atMost(Duration.ofSeconds(30)).until(() -> state("loop-api-best"), s -> "SUCCEEDED".equals(JsonPath.read(s, "$.status")));
    mvc.perform(get("/api/loops/loop-api-best"))
        .andExpect(jsonPath("$.iterations[0].selection.winner").value(2))
        .andExpect(jsonPath("$.iterations[0].selection.rule").value("chosen by api-token instead of attempt 1"))
        .andExpect(jsonPath("$.iterations[0].selection.attempts[0].variant").value("short"));
    mvc.perform(post("/api/loops/loop-api-best/attempts/1/1/fork").contentType(MediaType.APPLICATION_JSON)
            .content("{\"name\": \"api-best-loser\"}"))
        .andExpect(status().isCreated())
        .andExpect(jsonPath("$.id").value("loop-api-best-loser"));
    mvc.perform(post("/api/loops/loop-api-best-loser/cancel")).andExpect(status().isAccepted());
  }

  @Test
  void unknownLoopsAre404() throws Exception {
    mvc.perform(get("/api/loops/loop-nope"))
        .andExpect(status().isNotFound())
        .andExpect(jsonPath("$.detail").value("no loop with id loop-nope"));
  }

  @Test
  void theRunningStepsOutputIsLiveAndEventStreamsAreSharedAndResumable() throws Exception {
    mvc.perform(post("/api/loops").contentType(MediaType.APPLICATION_JSON)
            .content(spec("api-live", "echo started-making; sleep 8; echo fixed > a.txt")))
        .andExpect(status().isCreated());
    String output = await().atMost(Duration.ofSeconds(30)).until(
        () -> mvc.perform(get("/api/loops/loop-api-live/output")).andReturn().getResponse().getContentAsString(),
        s -> s.contains("started-making"));
    assertThat(JsonPath.<String>read(output, "$.activity")).isEqualTo("Make");
    assertThat(JsonPath.<Boolean>read(output, "$.running")).isTrue();
    assertThat(JsonPath.<String>read(output, "$.output.step")).isEqualTo("make");
    assertThat(JsonPath.<String>read(output, "$.output.status")).isEqualTo("running");

    MvcResult first = mvc.perform(get("/api/loops/loop-api-live/events")).andExpect(request().asyncStarted()).andReturn();
    await().atMost(Duration.ofSeconds(10)).until(() -> events(first).size() >= 2);
    MvcResult second = mvc.perform(get("/api/loops/loop-api-live/events")).andExpect(request().asyncStarted()).andReturn();
    await().atMost(Duration.ofSeconds(10)).until(() -> events(second).size() >= 2);
    List<String> firstEvents = events(first);
    assertThat(firstEvents).anyMatch(e -> e.endsWith(" state")).anyMatch(e -> e.endsWith(" output"));
    assertThat(first.getResponse().getContentAsString()).contains("started-making");
    // One poller per loop: the second stream gets the very events (same ids) the first got.
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(events(first)).containsAll(events(second)));

    // A reconnect with Last-Event-ID gets nothing it has already seen.
    List<String> seen = events(first);
    long lastId = seen.stream().mapToLong(e -> Long.parseLong(e.split(" ")[0])).max().orElseThrow();
    MvcResult resumed = mvc.perform(get("/api/loops/loop-api-live/events").header("Last-Event-ID", Long.toString(lastId)))
        .andExpect(request().asyncStarted()).andReturn();
    // The loop goes on (its make ends, it waits for approval): the resumed stream gets new events only.
    await().atMost(Duration.ofSeconds(30)).until(() -> !events(resumed).isEmpty());
    assertThat(events(resumed)).isNotEmpty().allMatch(e -> Long.parseLong(e.split(" ")[0]) > lastId);

    await().atMost(Duration.ofSeconds(30)).until(() -> JsonPath.read(state("loop-api-live"), "$.status"), "AWAITING_APPROVAL"::equals);
    // No step in flight (the approval's notification done): a cancel that meets a step completing
    // hangs a loop on the time-skipping test server (temporalio/sdk-java#2391).
    await().atMost(Duration.ofSeconds(30)).until(() -> mvc.perform(get("/api/loops/loop-api-live/output")).andReturn().getResponse()
        .getContentAsString(), o -> Boolean.FALSE.equals(JsonPath.read(o, "$.running")));
    mvc.perform(post("/api/loops/loop-api-live/cancel")).andExpect(status().isAccepted());
    await().atMost(Duration.ofSeconds(30)).until(() -> first.getResponse().getContentAsString().contains("CANCELLED"));
  }

  /** The {@code "<id> <event>"} of each event a stream has received so far. */
  private static List<String> events(MvcResult stream) throws Exception {
    Matcher m = EVENT.matcher(stream.getResponse().getContentAsString());
    List<String> events = new java.util.ArrayList<>();
    while (m.find()) {
      events.add(m.group(1) + " " + m.group(2));
    }
    return events;
  }

  private static final Pattern EVENT = Pattern.compile("id:(\\d+)\nretry:\\d+\nevent:(\\w+)\n");

  @Test
  void rulesOfARepositoryReachEveryLaterLoopOnIt() throws Exception {
    Path rulesRepo = repository("rules-origin", java.util.Map.of("a.txt", "a\n"));
    mvc.perform(post("/api/rules").contentType(MediaType.APPLICATION_JSON).content("{\"text\": \"x\"}"))
        .andExpect(status().isBadRequest())
        .andExpect(jsonPath("$.errors[0].field").value("repository"));
    String rule = mvc.perform(post("/api/rules").contentType(MediaType.APPLICATION_JSON)
            .content("{\"repository\": \"" + rulesRepo + "\", \"text\": \"Never edit the tests\", \"source\": \"note of loop-x\"}"))
        .andExpect(status().isCreated())
        .andExpect(jsonPath("$.author").value("api-token"))
        .andReturn().getResponse().getContentAsString();
    String id = JsonPath.read(rule, "$.id");

    String spec = spec("api-rules", "echo fixed > a.txt").replace(repo.toString(), rulesRepo.toString());
    mvc.perform(post("/api/loops").contentType(MediaType.APPLICATION_JSON).content(spec)).andExpect(status().isCreated());
    await().atMost(Duration.ofSeconds(30)).until(() -> JsonPath.<List<String>>read(state("loop-api-rules"), "$.rules"),
        r -> r.equals(List.of("Never edit the tests")));
    // Listed for the loop's repository; a retired rule reaches no later loop.
    mvc.perform(get("/api/rules").param("loop", "loop-api-rules"))
        .andExpect(jsonPath("$[0].text").value("Never edit the tests"));
    mvc.perform(put("/api/rules/" + id).contentType(MediaType.APPLICATION_JSON).content("{\"retired\": true}"))
        .andExpect(jsonPath("$.retired").value(true));
    mvc.perform(post("/api/loops").contentType(MediaType.APPLICATION_JSON).content(spec)).andExpect(status().isCreated());
    await().atMost(Duration.ofSeconds(30)).until(() -> JsonPath.<List<String>>read(state("loop-api-rules-2"), "$.rules"), List::isEmpty);
    mvc.perform(post("/api/loops/loop-api-rules/cancel"));
    mvc.perform(post("/api/loops/loop-api-rules-2/cancel"));
    mvc.perform(put("/api/rules/nope").contentType(MediaType.APPLICATION_JSON).content("{\"retired\": true}")).andExpect(status().isNotFound());
  }

  @Test
  void aLoopThroughTheApi() throws Exception {
    String body = mvc.perform(post("/api/loops").contentType(MediaType.APPLICATION_JSON).content(spec("api-life", "sleep 2; echo fixed > a.txt")))
        .andExpect(status().isCreated())
        .andExpect(header().string("Location", "/api/loops/loop-api-life"))
        .andExpect(jsonPath("$.links.temporal").value("http://localhost:8233/namespaces/default/workflows/loop-api-life"))
        .andReturn().getResponse().getContentAsString();
    assertThat(JsonPath.<String>read(body, "$.id")).isEqualTo("loop-api-life");

    // A second loop with the same name gets a suffix.
    mvc.perform(post("/api/loops").contentType(MediaType.APPLICATION_JSON).content(spec("api-life", "sleep 60")))
        .andExpect(status().isCreated())
        .andExpect(jsonPath("$.id").value("loop-api-life-2"));

    // Nothing is pending while the maker runs: 409 with the reason.
    mvc.perform(post("/api/loops/loop-api-life/decision").contentType(MediaType.APPLICATION_JSON)
            .content("{\"decision\": \"APPROVE\", \"diffHash\": \"abc\"}"))
        .andExpect(status().isConflict())
        .andExpect(jsonPath("$.detail").value("no decision is pending"));

    mvc.perform(post("/api/loops/loop-api-life/notes").contentType(MediaType.APPLICATION_JSON).content("{\"text\": \"prefer small diffs\"}"))
        .andExpect(status().isAccepted());

    String waiting = await().atMost(Duration.ofSeconds(30)).until(() -> state("loop-api-life"),
        s -> "AWAITING_APPROVAL".equals(JsonPath.read(s, "$.status")));
    String diffHash = JsonPath.read(waiting, "$.pendingDecision.diffHash");
    assertThat(diffHash).isNotNull();
    // The pending attempt's diff comes from the git store, and its hash is the one to approve.
    String attemptDiff = mvc.perform(get("/api/loops/loop-api-life/attempts/1/diff"))
        .andExpect(status().isOk()).andReturn().getResponse().getContentAsString();
    assertThat(attemptDiff).contains("+fixed");
    assertThat(sha256(attemptDiff)).isEqualTo(diffHash);
    mvc.perform(post("/api/loops/loop-api-life/decision").contentType(MediaType.APPLICATION_JSON)
            .content("{\"decision\": \"APPROVE\", \"diffHash\": \"" + diffHash + "\", \"by\": \"tester\"}"))
        .andExpect(status().isOk())
        .andExpect(jsonPath("$.decision").value("APPROVE"));

    // The state says SUCCEEDED a moment before the execution closes (the loop still announces its
    // end): wait for both.
    await().atMost(Duration.ofSeconds(30)).until(() -> state("loop-api-life"),
        s -> "SUCCEEDED".equals(JsonPath.read(s, "$.status")) && "COMPLETED".equals(JsonPath.read(s, "$.temporalStatus")));
    mvc.perform(get("/api/loops/loop-api-life"))
        .andExpect(jsonPath("$.status").value("SUCCEEDED"))
        .andExpect(jsonPath("$.notes[0].text").value("prefer small diffs"))
        // The decision and the note record the authenticated caller, not the client's "by".
        .andExpect(jsonPath("$.iterations[0].reason").value(org.hamcrest.Matchers.startsWith("approved by api-token")))
        .andExpect(jsonPath("$.notes[0].author").value("api-token"))
        .andExpect(jsonPath("$.checkpoints[0].tag").value("loops/loop-api-life/cp-1"))
        // Delivered: the head pushed to the loop's repository as its own branch.
        .andExpect(jsonPath("$.deliveries[0].branch").value("loops/loop-api-life"))
        .andExpect(jsonPath("$.deliveries[0].pushed").value(true))
        .andExpect(jsonPath("$.temporalStatus").value("COMPLETED"));
    try (Git origin = Git.open(repo.toFile())) {
      assertThat(origin.getRepository().resolve("refs/heads/loops/loop-api-life").name())
          .isEqualTo(JsonPath.<String>read(state("loop-api-life"), "$.headCommit"));
    }
    mvc.perform(get("/api/loops/loop-api-life/checkpoints/1/diff"))
        .andExpect(status().isOk())
        .andExpect(content().string(org.hamcrest.Matchers.containsString("+fixed")));
    mvc.perform(get("/api/loops/loop-api-life/checkpoints/7/diff")).andExpect(status().isNotFound());
    // Step logs from the git store: the maker's and the check's of every iteration.
    mvc.perform(get("/api/loops/loop-api-life/logs"))
        .andExpect(status().isOk())
        .andExpect(jsonPath("$").value(org.hamcrest.Matchers.hasItems("iter-0001-make.log", "iter-0001-check-tests.log")));
    mvc.perform(get("/api/loops/loop-api-life/logs/iter-0001-make.log")).andExpect(status().isOk());
    mvc.perform(get("/api/loops/loop-api-life/logs/no-such.log")).andExpect(status().isNotFound());
    mvc.perform(get("/api/loops/loop-api-life/logs/..%2Fapi-token")).andExpect(status().is4xxClientError());
    mvc.perform(post("/api/loops/loop-api-life/pause")).andExpect(status().isConflict());

    // A fork of a loop without a metric (this one) starts like any other.
    mvc.perform(post("/api/loops/loop-api-life/fork").contentType(MediaType.APPLICATION_JSON).content("{\"checkpoint\": 1, \"name\": \"plain-fork\"}"))
        .andExpect(status().isCreated())
        .andExpect(jsonPath("$.id").value("loop-plain-fork"));
    String plainFork = await().atMost(Duration.ofSeconds(30)).until(() -> state("loop-plain-fork"),
        s -> JsonPath.<Integer>read(s, "$.iteration") >= 1);
    assertThat(JsonPath.<String>read(plainFork, "$.reflections[0].text")).startsWith("Forked from loop loop-api-life at checkpoint 1");
    assertThat(JsonPath.<String>read(plainFork, "$.notes[0].text")).isEqualTo("prefer small diffs");
    assertThat(JsonPath.<Object>read(plainFork, "$.bestMetric")).isNull();
    mvc.perform(post("/api/loops/loop-plain-fork/cancel")).andExpect(status().isAccepted());

    // Cancelled in its sleeping maker (a cancel that meets a step completing hangs a loop on the test server: temporalio/sdk-java#2391).
    await().atMost(Duration.ofSeconds(30)).until(() -> JsonPath.read(state("loop-api-life-2"), "$.phase"), "MAKE"::equals);
    mvc.perform(post("/api/loops/loop-api-life-2/cancel")).andExpect(status().isAccepted());
    await().atMost(Duration.ofSeconds(30)).until(() -> JsonPath.read(state("loop-api-life-2"), "$.status"), "CANCELLED"::equals);
    mvc.perform(post("/api/loops/loop-api-life/rollback").contentType(MediaType.APPLICATION_JSON).content("{\"checkpoint\": 1}"))
        .andExpect(status().isConflict());
  }

  @Test
  void rollbackAndForkThroughTheApi() throws Exception {
    String spec = """
        {"name": "metric", "goal": "Raise the score", "workspace": {"repository": "%s"},
         "make": {"command": "[ \\"$LOOP_ID\\" != loop-metric ] || [ \\"$LOOP_ITERATION\\" != 3 ] || sleep 60.47; echo $LOOP_ITERATION >> log.txt"},
         "checks": [{"name": "score", "command": "echo score: $LOOP_ITERATION", "metric": {"pattern": "score: ([0-9]+)"}}],
         "caps": {"maxIterations": 40}}
        """.formatted(repo);
    mvc.perform(post("/api/loops").contentType(MediaType.APPLICATION_JSON).content(spec)).andExpect(status().isCreated());
    // The rollback meets iteration 3's maker asleep, not a step completing as the update cancels it,
    // which hangs a loop on the time-skipping test server (temporalio/sdk-java#2391).
    await().atMost(Duration.ofSeconds(30)).until(() -> state("loop-metric"), s -> JsonPath.<Integer>read(s, "$.checkpoints.length()") >= 2
        && "MAKE".equals(JsonPath.read(s, "$.phase")) && JsonPath.<Integer>read(s, "$.iteration") == 3);
    await().atMost(Duration.ofSeconds(30)).until(() -> ProcessHandle.allProcesses()
        .anyMatch(p -> p.info().commandLine().map(c -> c.endsWith("sleep 60.47")).orElse(false)));
    mvc.perform(post("/api/loops/loop-metric/rollback").contentType(MediaType.APPLICATION_JSON).content("{\"checkpoint\": -1}"))
        .andExpect(status().isBadRequest())
        .andExpect(jsonPath("$.errors[0].field").value("checkpoint"));
    mvc.perform(post("/api/loops/loop-metric/rollback").contentType(MediaType.APPLICATION_JSON).content("{\"checkpoint\": 1, \"reason\": \"too far\"}"))
        .andExpect(status().isOk())
        .andExpect(jsonPath("$.checkpoint").value(1))
        .andExpect(jsonPath("$.rolledBack[0]").value(2));

    mvc.perform(post("/api/loops/loop-metric/fork").contentType(MediaType.APPLICATION_JSON).content("{\"checkpoint\": 1}"))
        .andExpect(status().isCreated())
        .andExpect(jsonPath("$.id").value("loop-metric-fork"));
    String forked = await().atMost(Duration.ofSeconds(30)).until(() -> state("loop-metric-fork"),
        s -> JsonPath.<Integer>read(s, "$.checkpoints.length()") >= 1);
    assertThat(JsonPath.<String>read(forked, "$.reflections[0].text")).startsWith("Forked from loop loop-metric at checkpoint 1");
    mvc.perform(post("/api/loops/loop-metric/cancel")).andExpect(status().isAccepted());
    mvc.perform(post("/api/loops/loop-metric-fork/cancel")).andExpect(status().isAccepted());
    // The fork's first checkpoint grew from the source's checkpoint 1.
    Path forkWs = TMP.resolve("data/loops/loop-metric-fork/workspace");
    String cp1 = JsonPath.read(forked, "$.checkpoints[0].commit");
    try (Git git = Git.open(forkWs.toFile()); var walk = new org.eclipse.jgit.revwalk.RevWalk(git.getRepository());
        var tree = org.eclipse.jgit.treewalk.TreeWalk.forPath(git.getRepository(), "log.txt", walk.parseCommit(git.getRepository().resolve(cp1)).getTree())) {
      String log = new String(git.getRepository().open(tree.getObjectId(0)).getBytes());
      // The source's line 1, then only the fork's own iteration: nothing of the source's later path.
      assertThat(log).isEqualTo("1\n" + JsonPath.<Integer>read(forked, "$.checkpoints[0].iteration") + "\n");
    }
  }
}
