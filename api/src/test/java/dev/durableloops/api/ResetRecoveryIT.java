package dev.durableloops.api;


import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.jayway.jsonpath.JsonPath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Temporal's Reset against the real dev server and the packaged app: a reset to just after a
 * checkpoint, and resets in the middle of running Makes, must leave a consistent loop with nothing
 * of the abandoned runs. Split from {@link CrashRecoveryIT} so the two run side by side; like it a
 * long run (~90 s: 1.5 minutes of the default run's 8 on 2 cores), the rollback's own consistency stays in
 * the default run ({@code LoopWorkflowTest}, {@code LoopApiTest}, {@code HistoryReplayTest}).
 */
@Tag("long") // deploy/long-tests.sh and CI run it; the default test run does not
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class ResetRecoveryIT {

  @TempDir static Path tmp;
  static Platform platform;

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
  void aTemporalResetAfterACheckpointYieldsAConsistentLoop() throws Exception {
    Platform.App app = platform.startApp(true);
    Path repo = platform.repository("reset", Map.of("log.txt", ""));
    String spec = """
        {"name": "reset", "goal": "Raise the score to 3", "workspace": {"repository": "%s"},
         "make": {"command": "echo $LOOP_ITERATION >> log.txt"},
         "checks": [{"name": "score", "command": "echo score: $LOOP_ITERATION", "metric": {"pattern": "score: ([0-9]+)", "target": 3}}],
         "caps": {"maxIterations": 6}}
        """.formatted(repo);
    app.call("POST", "/api/loops", spec);
    String done = app.awaitState("loop-reset", Set.of("SUCCEEDED", "FAILED", "CAPPED", "STALLED"), Duration.ofMinutes(2));
    assertThat(JsonPath.<Integer>read(done, "$.checkpoints.length()")).isEqualTo(3);

    // Reset to the workflow task completed right after checkpoint 1: the workspace is at cp-3 now,
    // but the reset run's state names cp-1, and the next step must reconcile the files to it.
    reset("loop-reset", firstWorkflowTaskAfterCheckpoint("loop-reset"), "test reset");

    String again = await("the reset run completed with 3 checkpoints").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
        .until(() -> app.call("GET", "/api/loops/loop-reset", null), a -> "COMPLETED".equals(JsonPath.read(a, "$.temporalStatus"))
            && JsonPath.<Integer>read(a, "$.checkpoints.length()") == 3
            && !JsonPath.<String>read(a, "$.checkpoints[1].createdAt").equals(JsonPath.read(done, "$.checkpoints[1].createdAt")));
    assertThat(JsonPath.<String>read(again, "$.status")).isEqualTo("SUCCEEDED");
    assertThat(JsonPath.<List<Integer>>read(again, "$.checkpoints[*].number")).containsExactly(1, 2, 3);
    Path ws = tmp.resolve("data/loops/loop-reset/workspace");
    assertThat(fileAt(ws, JsonPath.read(again, "$.headCommit"), "log.txt")).isEqualTo("1\n2\n3\n");
    assertThat(Files.readString(ws.resolve("log.txt"))).isEqualTo("1\n2\n3\n");
    Platform.kill(app.process);
  }

  @Test
  void resetsDuringMakeLeaveNothingOfTheAbandonedRuns() throws Exception {
    Platform.App app = platform.startApp(true);
    Path repo = platform.repository("reset-make", Map.of("log.txt", ""));
    String spec = """
        {"name": "reset-make", "goal": "Three lines", "workspace": {"repository": "%s"},
         "make": {"command": "echo it$LOOP_ITERATION >> log.txt; sleep 3"},
         "checks": [{"name": "lines", "command": "echo lines: $(grep -c it log.txt)", "metric": {"pattern": "lines: ([0-9]+)", "target": 3}}],
         "caps": {"maxIterations": 12}}
        """.formatted(repo);
    app.call("POST", "/api/loops", spec);
    int resets = 0;
    long lastScheduled = -1;
    while (resets < 5) {
      String state = app.call("GET", "/api/loops/loop-reset-make", null);
      assertThat(JsonPath.<String>read(state, "$.temporalStatus")).as("the loop ended before 5 resets: " + state).isEqualTo("RUNNING");
      long[] make = runningMake("loop-reset-make");
      if (make != null && make[0] != lastScheduled) {
        Thread.sleep(1500);
        reset("loop-reset-make", make[1], "reset during make " + resets);
        resets++;
        lastScheduled = make[0];
      }
      Thread.sleep(200);
    }
    String done = app.awaitState("loop-reset-make", Set.of("SUCCEEDED", "FAILED", "CAPPED", "STALLED"), Duration.ofMinutes(3));
    assertThat(JsonPath.<String>read(done, "$.status")).as(done).isEqualTo("SUCCEEDED");
    assertThat(JsonPath.<Integer>read(done, "$.checkpoints.length()")).isEqualTo(3);
    String head = JsonPath.read(done, "$.headCommit");
    // The branch in the store holds the three accepted attempts in a row on the base commit, each
    // with one line: no attempt of an abandoned run, no stale commit under a checkpoint.
    try (Git store = Git.open(tmp.resolve("data/store.git").toFile())) {
      var branch = store.getRepository().exactRef("refs/heads/loops/loop-reset-make");
      assertThat(branch.getObjectId().name()).isEqualTo(head);
      List<String> messages = new java.util.ArrayList<>();
      for (var commit : store.log().add(branch.getObjectId()).call()) {
        messages.add(commit.getShortMessage());
      }
      assertThat(messages).hasSize(4);
      assertThat(messages.subList(0, 3)).containsExactly("loop loop-reset-make iteration 3 attempt",
          "loop loop-reset-make iteration 2 attempt", "loop loop-reset-make iteration 1 attempt");
      List<String> checkpoints = JsonPath.read(done, "$.checkpoints[*].commit");
      for (int i = 1; i < checkpoints.size(); i++) {
        assertThat(store.getRepository().parseCommit(store.getRepository().resolve(checkpoints.get(i))).getParent(0).name())
            .isEqualTo(checkpoints.get(i - 1));
      }
    }
    assertThat(fileAt(tmp.resolve("data/loops/loop-reset-make/workspace"), head, "log.txt")).isEqualTo("it1\nit2\nit3\n");
    System.out.printf("reset during make: %d resets, loop SUCCEEDED with 3 checkpoints and nothing of the abandoned runs%n", resets);
    Platform.kill(app.process);
  }

  /**
   * The running Make of the loop's current run: {@code [its scheduled event id, the id of the workflow
   * task completed just before it]}, or {@code null} when no Make is running.
   */
  private long[] runningMake(String id) throws Exception {
    long lastTaskCompleted = -1;
    long[] running = null;
    for (Map<String, Object> e : history(id)) {
      String type = String.valueOf(e.get("eventType"));
      long eventId = Long.parseLong(String.valueOf(e.get("eventId")));
      if (type.equals("EVENT_TYPE_WORKFLOW_TASK_COMPLETED") || type.equals("WorkflowTaskCompleted")) {
        lastTaskCompleted = eventId;
      } else if ((type.equals("EVENT_TYPE_ACTIVITY_TASK_SCHEDULED") || type.equals("ActivityTaskScheduled"))
          && "Make".equals(JsonPath.read(e, "$.activityTaskScheduledEventAttributes.activityType.name"))) {
        running = new long[] {eventId, lastTaskCompleted};
      } else if (running != null
          && type.matches("EVENT_TYPE_ACTIVITY_TASK_(COMPLETED|FAILED|CANCELED|TIMED_OUT)|ActivityTask(Completed|Failed|Canceled|TimedOut)")
          && JsonPath.<List<Object>>read(e, "$..scheduledEventId").stream().map(String::valueOf).toList()
              .contains(Long.toString(running[0]))) {
        running = null;
      }
    }
    return running;
  }

  /** The events of the current run of {@code id}, from {@code temporal workflow show --output json}. */
  private List<Map<String, Object>> history(String id) throws Exception {
    Process show = new ProcessBuilder(platform.cli.toString(), "workflow", "show", "--address", platform.target(),
        "--workflow-id", id, "--output", "json").redirectOutput(tmp.resolve(id + ".json").toFile()).start();
    assertThat(show.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return JsonPath.read(Files.readString(tmp.resolve(id + ".json")), "$.events");
  }

  /** Resets {@code id} to the workflow task that finished at {@code eventId} with the Temporal CLI. */
  private void reset(String id, long eventId, String reason) throws Exception {
    Path out = tmp.resolve(id + "-reset.log");
    Process reset = new ProcessBuilder(platform.cli.toString(), "workflow", "reset", "--address", platform.target(),
        "--workflow-id", id, "--event-id", Long.toString(eventId), "--reason", reason)
        .redirectErrorStream(true).redirectOutput(out.toFile()).start();
    assertThat(reset.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(reset.exitValue()).as(Files.readString(out)).isZero();
  }

  private long firstWorkflowTaskAfterCheckpoint(String id) throws Exception {
    Map<String, String> scheduledType = new java.util.HashMap<>();
    boolean afterCheckpoint = false;
    for (Map<String, Object> e : history(id)) {
      String type = String.valueOf(e.get("eventType"));
      String eventId = String.valueOf(e.get("eventId"));
      if (type.equals("EVENT_TYPE_ACTIVITY_TASK_SCHEDULED") || type.equals("ActivityTaskScheduled")) {
        scheduledType.put(eventId, JsonPath.read(e, "$.activityTaskScheduledEventAttributes.activityType.name"));
      } else if (type.equals("EVENT_TYPE_ACTIVITY_TASK_COMPLETED") || type.equals("ActivityTaskCompleted")) {
        String scheduled = String.valueOf(JsonPath.<Object>read(e, "$.activityTaskCompletedEventAttributes.scheduledEventId"));
        afterCheckpoint |= "Checkpoint".equals(scheduledType.get(scheduled));
      } else if (afterCheckpoint && (type.equals("EVENT_TYPE_WORKFLOW_TASK_COMPLETED") || type.equals("WorkflowTaskCompleted"))) {
        return Long.parseLong(eventId);
      }
    }
    throw new AssertionError("no checkpoint in the history of " + id);
  }

  private static String fileAt(Path repo, String commit, String path) throws Exception {
    try (Git git = Git.open(repo.toFile());
        RevWalk walk = new RevWalk(git.getRepository());
        TreeWalk tree = TreeWalk.forPath(git.getRepository(), path, walk.parseCommit(git.getRepository().resolve(commit)).getTree())) {
      return new String(git.getRepository().open(tree.getObjectId(0)).getBytes());
    }
  }
}
