package dev.durableloops.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.jayway.jsonpath.JsonPath;
import dev.durableloops.workflows.spec.CheckSpec;
import dev.durableloops.workflows.LoopInput;
import dev.durableloops.workflows.spec.LoopSpec;
import dev.durableloops.workflows.LoopWorkflow;
import dev.durableloops.workflows.spec.MetricGoal;
import dev.durableloops.workflows.spec.MetricSpec;
import dev.durableloops.workflows.spec.StepSpec;
import dev.durableloops.workflows.spec.WorkspaceSpec;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Records the replay histories checked into {@code workflows/src/test/resources/histories/} from
 * real runs on the dev server: approval with rejections, approval timeout, cap, rollback and
 * continue-as-new. Runs only when asked (see CONTRIBUTING.md):
 * {@code mvn -pl api -am verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false
 * -Dit.test=HistoryRecordingIT -Ddurable-loops.record-histories=$PWD/workflows/src/test/resources/histories}.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class HistoryRecordingIT {

  @TempDir Path tmp;

  @Test
  void recordHistories() throws Exception {
    String out = System.getProperty("durable-loops.record-histories");
    assumeTrue(out != null && !out.isBlank(), "set -Ddurable-loops.record-histories=<dir> to record replay histories");
    assumeTrue(Platform.available(), "needs the Temporal CLI and the packaged app jar");
    Path dir = Files.createDirectories(Path.of(out));
    try (Platform platform = new Platform(tmp)) {
      platform.startServer();
      Platform.App app = platform.startApp(true);
      WorkflowServiceStubs stubs = WorkflowServiceStubs.newServiceStubs(
          WorkflowServiceStubsOptions.newBuilder().setTarget(platform.target()).build());
      WorkflowClient client = WorkflowClient.newInstance(stubs);
      Set<String> ended = Set.of("SUCCEEDED", "FAILED", "CAPPED", "STALLED", "CANCELLED");

      // Approval after two rejections: the shipped example.
      Path example = Path.of("..", "examples", "slugify").toAbsolutePath().normalize();
      Path slugify = platform.repository("slugify", Map.of(
          "slugify.py", Files.readString(example.resolve("repo/slugify.py")),
          "test_slugify.py", Files.readString(example.resolve("repo/test_slugify.py"))));
      app.call("POST", "/api/loops", Files.readString(example.resolve("loop.json"))
          .replace("${REPOSITORY}", slugify.toString()).replace("${EXAMPLE_DIR}", example.toString()));
      String waiting = app.awaitState("loop-fix-slugify", Set.of("AWAITING_APPROVAL"), Duration.ofMinutes(2));
      app.call("POST", "/api/loops/loop-fix-slugify/decision",
          "{\"decision\": \"APPROVE\", \"diffHash\": \"" + JsonPath.read(waiting, "$.pendingDecision.diffHash") + "\"}");
      app.awaitState("loop-fix-slugify", ended, Duration.ofMinutes(2));
      save(client, dir, "loop-fix-slugify", null, "approval-after-rejections.json");

      // Approval timeout, then the iteration cap.
      Path repo = platform.repository("timeout", Map.of("a.txt", "a\n"));
      app.call("POST", "/api/loops", """
          {"name": "timeout", "goal": "g", "workspace": {"repository": "%s"}, "make": {"command": "echo fixed > a.txt"},
           "checks": [{"name": "c", "command": "true"}], "gate": {"approval": "ON_PASS", "approvalTimeout": "PT2S"},
           "caps": {"maxIterations": 2}}""".formatted(repo));
      app.awaitState("loop-timeout", ended, Duration.ofMinutes(2));
      save(client, dir, "loop-timeout", null, "approval-timeout-then-cap.json");

      // An approval timeout that pauses, a resume that waits again, then the approval.
      Path resumable = platform.repository("resumable", Map.of("a.txt", "a\n"));
      app.call("POST", "/api/loops", """
          {"name": "resumable", "goal": "g", "workspace": {"repository": "%s"}, "make": {"command": "echo fixed > a.txt"},
           "checks": [{"name": "c", "command": "true"}],
           "gate": {"approval": "ON_PASS", "approvalTimeout": "PT2S", "onApprovalTimeout": "PAUSE"}}""".formatted(resumable));
      app.awaitState("loop-resumable", Set.of("PAUSED"), Duration.ofMinutes(2));
      app.call("POST", "/api/loops/loop-resumable/resume", null);
      String again = app.awaitState("loop-resumable", Set.of("AWAITING_APPROVAL"), Duration.ofMinutes(1));
      app.call("POST", "/api/loops/loop-resumable/decision",
          "{\"decision\": \"APPROVE\", \"diffHash\": \"" + JsonPath.read(again, "$.pendingDecision.diffHash") + "\"}");
      app.awaitState("loop-resumable", ended, Duration.ofMinutes(1));
      save(client, dir, "loop-resumable", null, "approval-pause-resume.json");

      // Rollback to checkpoint 1 of a metric loop.
      Path metric = platform.repository("rollback", Map.of("log.txt", ""));
      app.call("POST", "/api/loops", """
          {"name": "rollback", "goal": "g", "workspace": {"repository": "%s"},
           "make": {"command": "sleep 1; echo $LOOP_ITERATION >> log.txt"},
           "checks": [{"name": "score", "command": "echo score: $LOOP_ITERATION", "metric": {"pattern": "score: ([0-9]+)"}}],
           "caps": {"maxIterations": 5}}""".formatted(metric));
      for (int i = 0; i < 300; i++) {
        String s = app.call("GET", "/api/loops/loop-rollback", null);
        if (JsonPath.<Integer>read(s, "$.checkpoints.length()") >= 2) {
          break;
        }
        Thread.sleep(100);
      }
      app.call("POST", "/api/loops/loop-rollback/rollback", "{\"checkpoint\": 1, \"reason\": \"recording\"}");
      app.awaitState("loop-rollback", ended, Duration.ofMinutes(2));
      save(client, dir, "loop-rollback", null, "rollback.json");

      // A backlog: three tasks done, one set aside (the shipped example).
      Path backlogExample = Path.of("..", "examples", "backlog").toAbsolutePath().normalize();
      Path textkit = platform.repository("textkit", Map.of(
          "textkit.py", Files.readString(backlogExample.resolve("repo/textkit.py")),
          "test_textkit.py", Files.readString(backlogExample.resolve("repo/test_textkit.py"))));
      app.call("POST", "/api/loops", Files.readString(backlogExample.resolve("loop.json"))
          .replace("${REPOSITORY}", textkit.toString()).replace("${EXAMPLE_DIR}", backlogExample.toString()));
      app.awaitState("loop-textkit-backlog", ended, Duration.ofMinutes(3));
      save(client, dir, "loop-textkit-backlog", null, "backlog.json");

      // A cap that asks: extended once through the API, then no one answers.
      Path asking = platform.repository("asking", Map.of("a.txt", "a\n"));
      app.call("POST", "/api/loops", """
          {"name": "asking", "goal": "g", "workspace": {"repository": "%s"}, "make": {"command": "echo $LOOP_ITERATION >> a.txt"},
           "checks": [{"name": "c", "command": "false"}],
           "caps": {"maxIterations": 1, "maxRepeatedFailures": 10, "onCap": "ASK", "extendTimeout": "PT3S"}}""".formatted(asking));
      app.awaitState("loop-asking", Set.of("AWAITING_BUDGET"), Duration.ofMinutes(2));
      app.call("POST", "/api/loops/loop-asking/extend", "{\"maxIterations\": 2, \"reason\": \"recording\"}");
      app.awaitState("loop-asking", ended, Duration.ofMinutes(2));
      save(client, dir, "loop-asking", null, "ask-caps.json");

      // Continue-as-new every 2 iterations.
      Path can = platform.repository("can", Map.of("log.txt", ""));
      LoopSpec spec = new LoopSpec("can", "g", new WorkspaceSpec(can.toString(), "main"), null, null,
          new StepSpec("echo $LOOP_ITERATION >> log.txt", null),
          List.of(new CheckSpec("score", "echo score: $LOOP_ITERATION", null, null, true,
              new MetricSpec("score: ([0-9]+)", MetricGoal.MAXIMIZE, 4.0))), null, null, null, null);
      LoopWorkflow loop = client.newWorkflowStub(LoopWorkflow.class,
          WorkflowOptions.newBuilder().setWorkflowId("loop-can").setTaskQueue("durable-loops").build());
      WorkflowExecution first = WorkflowClient.start(loop::run, new LoopInput(spec, null, 2));
      app.awaitState("loop-can", ended, Duration.ofMinutes(2));
      save(client, dir, "loop-can", first.getRunId(), "continue-as-new-first-run.json");
      save(client, dir, "loop-can", null, "continue-as-new-last-run.json");
      stubs.shutdown();
    }
  }

  /**
   * Records the fleet histories only ({@code -Dit.test=HistoryRecordingIT#recordFleetHistories}): a
   * best-of-N loop (two variants, a plan command, the gate deciding alone) and the fan-out of
   * {@code examples/fleet} (two conflicting tasks: one bounces, then lands).
   */
  @Test
  void recordFleetHistories() throws Exception {
    String out = System.getProperty("durable-loops.record-histories");
    assumeTrue(out != null && !out.isBlank(), "set -Ddurable-loops.record-histories=<dir> to record replay histories");
    assumeTrue(Platform.available(), "needs the Temporal CLI and the packaged app jar");
    Path dir = Files.createDirectories(Path.of(out));
    try (Platform platform = new Platform(tmp)) {
      platform.startServer();
      Platform.App app = platform.startApp(true);
      WorkflowServiceStubs stubs = WorkflowServiceStubs.newServiceStubs(
          WorkflowServiceStubsOptions.newBuilder().setTarget(platform.target()).build());
      WorkflowClient client = WorkflowClient.newInstance(stubs);
      Set<String> ended = Set.of("SUCCEEDED", "FAILED", "CAPPED", "STALLED", "CANCELLED");

      // Best-of-N: iteration 1's two attempts fail, iteration 2's both pass and tie (the lower number is kept).
      Path best = platform.repository("best", Map.of("a.txt", "a\n"));
      app.call("POST", "/api/loops", """
          {"name": "best", "goal": "g", "workspace": {"repository": "%s"},
           "plan": {"command": "echo \\"plan for $LOOP_ITERATION\\" >> \\"$LOOP_PROMPT_FILE\\""},
           "make": {"command": "true", "variants": [
             {"name": "one", "command": "[ $LOOP_ITERATION -ge 2 ] && echo fixed > a.txt || echo bad > a.txt"},
             {"name": "two", "command": "[ $LOOP_ITERATION -ge 2 ] && echo fixed > a.txt || echo worse > a.txt"}]},
           "checks": [{"name": "c", "command": "grep -q fixed a.txt"}], "gate": {"approval": "NEVER"},
           "caps": {"maxIterations": 3}}""".formatted(best));
      app.awaitState("loop-best", ended, Duration.ofMinutes(3));
      save(client, dir, "loop-best", null, "best-of-n.json");

      // A fan-out of four tasks of which two conflict: the shipped fleet example.
      Path example = Path.of("..", "examples", "fleet").toAbsolutePath().normalize();
      Map<String, String> files = new java.util.TreeMap<>();
      try (var list = Files.list(example.resolve("repo"))) {
        for (Path p : list.toList()) {
          files.put(p.getFileName().toString(), Files.readString(p));
        }
      }
      Path strkit = platform.repository("strkit", files);
      app.call("POST", "/api/loops", Files.readString(example.resolve("loop.json"))
          .replace("${REPOSITORY}", strkit.toString()).replace("${EXAMPLE_DIR}", example.toString()));
      app.awaitState("loop-strkit-fleet", ended, Duration.ofMinutes(5));
      save(client, dir, "loop-strkit-fleet", null, "fan-out.json");
      stubs.shutdown();
    }
  }

  private static void save(WorkflowClient client, Path dir, String id, String runId, String file) throws Exception {
    var history = runId == null ? client.fetchHistory(id) : client.fetchHistory(id, runId);
    assertThat(history.getEvents()).isNotEmpty();
    // A suffix (-Ddurable-loops.record-suffix=-worker-affinity) records a versioned change's
    // histories beside the old ones instead of over them.
    String suffix = System.getProperty("durable-loops.record-suffix", "");
    Files.writeString(dir.resolve(file.replace(".json", suffix + ".json")), history.toJson(true));
  }
}
