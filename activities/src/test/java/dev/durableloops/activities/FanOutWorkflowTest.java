package dev.durableloops.activities;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.durableloops.workflows.LoopInput;
import dev.durableloops.workflows.LoopOutcome;
import dev.durableloops.workflows.LoopWorkflow;
import dev.durableloops.workflows.LoopWorkflowImpl;
import dev.durableloops.workflows.spec.Caps;
import dev.durableloops.workflows.spec.CheckSpec;
import dev.durableloops.workflows.spec.FanOutSpec;
import dev.durableloops.workflows.spec.LoopSpec;
import dev.durableloops.workflows.spec.MakeSpec;
import dev.durableloops.workflows.spec.StepSpec;
import dev.durableloops.workflows.spec.WorkspaceSpec;
import dev.durableloops.workflows.state.BacklogTask;
import dev.durableloops.workflows.state.LoopState;
import dev.durableloops.workflows.state.LoopStatus;
import dev.durableloops.workflows.state.TimelineRow;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.failure.CanceledFailure;
import io.temporal.testing.TestWorkflowExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A backlog fanned out to child loops and landed through the merge queue, on Temporal's
 * time-skipping test server with the real activities, real git repositories and real processes.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class FanOutWorkflowTest {

  static final Path DATA = TestLoops.dataDir("fan-out-test");

  @RegisterExtension
  static final TestWorkflowExtension temporal = TestLoops.server(new WorkerActivities(DATA).all());

  @AfterAll
  static void cleanUp() {
    WorkspaceFiles.deleteTree(DATA);
  }

  /** Discover: every task whose file does not say {@code done}. */
  static String discover(String... tasks) {
    return "for t in " + String.join(" ", tasks) + "; do grep -qx done $t.txt 2>/dev/null || echo $t; done";
  }

  /** The maker: marks its task's file done (its task is the goal's last line); {@code extra} runs after, with $t set. */
  static String maker(String extra) {
    return "t=$(printf '%s\\n' \"$LOOP_GOAL\" | sed -n 's/^Task (one of a fan-out): //p'); echo done > $t.txt; " + extra;
  }

  static LoopSpec spec(Path repo, String discover, String make, String check, int maxParallel) {
    return new LoopSpec("fleet", "Finish every task", new WorkspaceSpec(repo.toString(), "main"), new StepSpec(discover, "PT1M"), null,
        MakeSpec.of(new StepSpec(make, "PT10M")), List.of(new CheckSpec("check", check, null, "PT1M", true, null)), null, null, null,
        new Caps(10, "P1D", null, 2), null, null, null, null, null, new FanOutSpec(maxParallel));
  }

  static LoopWorkflow start(WorkflowClient client, WorkflowOptions options, String id, LoopSpec spec) {
    LoopWorkflow loop = client.newWorkflowStub(LoopWorkflow.class, WorkflowOptions.newBuilder(options).setWorkflowId(id).build());
    WorkflowClient.start(loop::run, new LoopInput(spec));
    return loop;
  }

  static String file(Path store, String branch, String path) throws Exception {
    try (Git git = Git.open(store.toFile())) {
      Repository repo = git.getRepository();
      ObjectId head = repo.resolve("refs/heads/" + branch);
      try (var walk = new org.eclipse.jgit.revwalk.RevWalk(repo);
          var tree = org.eclipse.jgit.treewalk.TreeWalk.forPath(repo, path, walk.parseCommit(head).getTree())) {
        return tree == null ? null : new String(repo.open(tree.getObjectId(0)).getBytes());
      }
    }
  }

  @Test
  void fourTasksOfWhichTwoConflictAllLandOneAfterABounce(WorkflowClient client, WorkflowOptions options) throws Exception {
    Path repo = TestRepos.create(DATA.resolve("origins/four"),
        Map.of("one.txt", "todo\n", "two.txt", "todo\n", "three.txt", "todo\n", "four.txt", "todo\n", "shared.txt", "base\n"));
    // Tasks one and four, the first two children, both rewrite shared.txt from the same head: whichever lands second conflicts.
    String make = maker("case $t in one|four) echo $t > shared.txt;; esac");
    LoopWorkflow loop = start(client, options, "loop-fleet", spec(repo, discover("one", "four", "two", "three"), make, "true", 2));
    LoopOutcome outcome = client.newUntypedWorkflowStub("loop-fleet").getResult(LoopOutcome.class);

    assertThat(outcome.status()).as(outcome.stopReason()).isEqualTo(LoopStatus.SUCCEEDED);
    assertThat(outcome.checkpoints()).isEqualTo(4);
    LoopState state = loop.state();
    assertThat(state.carried().tasks).extracting(BacklogTask::status).containsOnly(BacklogTask.Status.DONE);
    List<String> rows = state.carried().timeline.stream().map(TimelineRow::reason).toList();
    assertThat(rows).filteredOn(r -> r.startsWith("landed task")).hasSize(4);
    String bounce = rows.stream().filter(r -> r.startsWith("bounced")).findFirst().orElseThrow();
    assertThat(bounce).contains("conflicts with the parent's head").contains("shared.txt");
    // The reflection the fresh child got names the file and the landed change behind the conflict.
    String reflection = state.carried().reflections.stream().map(r -> r.text()).filter(t -> t.contains("did not land")).findFirst().orElseThrow();
    assertThat(reflection).contains("Conflicting files: shared.txt").containsPattern("The landed change they conflict with: [0-9a-f]{40} land loop-fleet-t\\d");
    // The store's branch has every task's change: the bounced task landed after starting again at the new head.
    Path store = DATA.resolve("store.git");
    for (String t : List.of("one", "two", "three", "four")) {
      assertThat(file(store, "loops/loop-fleet", t + ".txt")).isEqualTo("done\n");
    }
    assertThat(file(store, "loops/loop-fleet", "shared.txt")).isIn("one\n", "four\n");
    assertThat(state.carried().headCommit).isEqualTo(StoreLanding.read(store, "refs/heads/loops/loop-fleet").name());
    // The fresh child of the bounced task started with that reflection.
    var bounced = state.carried().fleet.children.stream().filter(c -> c.status().equals("BOUNCED")).findFirst().orElseThrow();
    var again = state.carried().fleet.children.stream()
        .filter(c -> c.taskId().equals(bounced.taskId()) && c.status().equals("LANDED")).findFirst().orElseThrow();
    assertThat(client.newWorkflowStub(LoopWorkflow.class, again.loopId()).state().carried().reflections)
        .anyMatch(r -> r.text().contains("Conflicting files: shared.txt"));
    // The parent's history replays against the code (FanOut is deterministic).
    io.temporal.testing.WorkflowReplayer.replayWorkflowExecution(TestLoops.record(client, "loop-fleet", "fan-out.json"), LoopWorkflowImpl.class);
  }

  @Test
  void theFleetExampleLandsItsFourHelpersAfterOneBounce(WorkflowClient client, WorkflowOptions options) throws Exception {
    Path example = TestRepos.exampleDir().resolveSibling("fleet");
    Map<String, String> files = new java.util.TreeMap<>();
    try (var list = Files.list(example.resolve("repo"))) {
      for (Path p : list.toList()) {
        files.put(p.getFileName().toString(), Files.readString(p));
      }
    }
    Path repo = TestRepos.create(DATA.resolve("origins/strkit"), files);
    String json = Files.readString(example.resolve("loop.json")).replace("${REPOSITORY}", repo.toString())
        .replace("${EXAMPLE_DIR}", example.toString());
    LoopSpec spec = new com.fasterxml.jackson.databind.ObjectMapper().readValue(json, LoopSpec.class);
    LoopWorkflow loop = start(client, options, "loop-strkit-fleet", spec);
    LoopOutcome outcome = client.newUntypedWorkflowStub("loop-strkit-fleet").getResult(LoopOutcome.class);

    assertThat(outcome.status()).as(outcome.stopReason()).isEqualTo(LoopStatus.SUCCEEDED);
    assertThat(outcome.checkpoints()).as(String.join("\n", loop.state().carried().timeline.stream().map(TimelineRow::reason).toList())).isEqualTo(4);
    List<String> rows = loop.state().carried().timeline.stream().map(TimelineRow::reason).toList();
    assertThat(rows).filteredOn(r -> r.startsWith("bounced")).singleElement().asString().contains("registry.py");
    assertThat(file(DATA.resolve("store.git"), "loops/loop-strkit-fleet", "registry.py")).contains("REGISTRY['title']")
        .contains("REGISTRY['reverse']");
  }

  @Test
  void aMergedResultThatBreaksTheChecksDoesNotLand(WorkflowClient client, WorkflowOptions options) throws Exception {
    Path repo = TestRepos.create(DATA.resolve("origins/red"), Map.of("x.txt", "todo\n", "y.txt", "todo\n"));
    // Each task passes alone; together they break the check.
    String check = "! (grep -qx done x.txt && grep -qx done y.txt)";
    LoopWorkflow loop = start(client, options, "loop-fleet-red", spec(repo, discover("x", "y"), maker(""), check, 2));
    LoopOutcome outcome = client.newUntypedWorkflowStub("loop-fleet-red").getResult(LoopOutcome.class);

    assertThat(outcome.status()).as(outcome.stopReason()).isEqualTo(LoopStatus.STALLED);
    assertThat(outcome.checkpoints()).isEqualTo(1);
    LoopState state = loop.state();
    List<String> rows = state.carried().timeline.stream().map(TimelineRow::reason).toList();
    assertThat(rows).anyMatch(r -> r.startsWith("bounced") && r.contains("the required checks fail on the merged result"));
    assertThat(rows).anyMatch(r -> r.startsWith("set aside task"));
    assertThat(state.carried().tasks).extracting(BacklogTask::status)
        .containsExactlyInAnyOrder(BacklogTask.Status.DONE, BacklogTask.Status.SET_ASIDE);
    Path store = DATA.resolve("store.git");
    String x = file(store, "loops/loop-fleet-red", "x.txt");
    String y = file(store, "loops/loop-fleet-red", "y.txt");
    assertThat(List.of(x, y)).containsExactlyInAnyOrder("done\n", "todo\n");
  }

  @Test
  void eachChildReservesItsCostCapAndAChildThatDoesNotFitIsNotStarted(WorkflowClient client, WorkflowOptions options) throws Exception {
    Path repo = TestRepos.create(DATA.resolve("origins/budget"),
        Map.of("a.txt", "todo\n", "b.txt", "todo\n", "c.txt", "todo\n", "d.txt", "todo\n"));
    String make = maker("printf '{\"summary\":\"did\",\"costUsd\":0.3}' > \"$LOOP_RESULT_FILE\"");
    LoopSpec spec = spec(repo, discover("a", "b", "c", "d"), make, "true", 2);
    // 1 USD for the fleet, two at once: a child's cap is a share of 0.50, or what is left, reserved before it starts.
    spec = new LoopSpec(spec.name(), spec.goal(), spec.workspace(), spec.discover(), null, spec.make(), spec.checks(), null, null, null,
        new Caps(10, "P1D", 1.0, 2), null, null, null, null, null, spec.fanOut());
    LoopWorkflow loop = start(client, options, "loop-fleet-budget", spec);
    LoopOutcome outcome = client.newUntypedWorkflowStub("loop-fleet-budget").getResult(LoopOutcome.class);

    // a and b hold 0.50 each; after a spent 0.30 only 0.20 is free (less than half a share): c waits for b,
    // then gets the 0.40 left; after c, 0.10 is left and d is not started: fail closed.
    assertThat(outcome.status()).as(outcome.stopReason()).isEqualTo(LoopStatus.CAPPED);
    assertThat(outcome.stopReason()).contains("the fleet's budget has no room for another child");
    assertThat(outcome.checkpoints()).isEqualTo(3);
    assertThat(outcome.costUsd()).isEqualTo(0.9, org.assertj.core.data.Offset.offset(1e-9));
    LoopState state = loop.state();
    assertThat(state.carried().fleet.reservedUsd).isZero();
    assertThat(state.carried().fleet.children).hasSize(3)
        .allSatisfy(c -> assertThat(c.status()).isEqualTo("LANDED"))
        .allSatisfy(c -> assertThat(c.costUsd()).isEqualTo(0.3, org.assertj.core.data.Offset.offset(1e-9)));
    List<String> started = state.carried().timeline.stream().map(TimelineRow::reason).filter(r -> r.startsWith("started child")).toList();
    assertThat(started).hasSize(3);
    assertThat(started.get(0)).endsWith("(reserved 0.50 USD)");
    assertThat(started.get(1)).endsWith("(reserved 0.50 USD)");
    assertThat(started.get(2)).endsWith("(reserved 0.40 USD)");
  }

  @Test
  void maxIterationsCountsTheChildrenStarted(WorkflowClient client, WorkflowOptions options) throws Exception {
    Path repo = TestRepos.create(DATA.resolve("origins/iterations"), Map.of("a.txt", "todo\n", "b.txt", "todo\n", "c.txt", "todo\n"));
    LoopSpec spec = spec(repo, discover("a", "b", "c"), maker(""), "true", 2);
    spec = new LoopSpec(spec.name(), spec.goal(), spec.workspace(), spec.discover(), null, spec.make(), spec.checks(), null, null, null,
        new Caps(2, "P1D", null, 2), null, null, null, null, null, spec.fanOut());
    start(client, options, "loop-fleet-iterations", spec);
    LoopOutcome outcome = client.newUntypedWorkflowStub("loop-fleet-iterations").getResult(LoopOutcome.class);
    assertThat(outcome.status()).isEqualTo(LoopStatus.CAPPED);
    assertThat(outcome.stopReason()).isEqualTo("reached maxIterations=2 (children started); 2 task(s) landed, 1 not started");
    assertThat(outcome.checkpoints()).isEqualTo(2);
  }

  @Test
  void withDeliveryAtEachCheckpointEachLandingIsPushedAndReadBackFromTheRepository(WorkflowClient client, WorkflowOptions options)
      throws Exception {
    Path repo = TestRepos.create(DATA.resolve("origins/deliver"), Map.of("a.txt", "todo\n", "b.txt", "todo\n"));
    LoopSpec spec = spec(repo, discover("a", "b"), maker(""), "true", 1);
    spec = new LoopSpec(spec.name(), spec.goal(), spec.workspace(), spec.discover(), null, spec.make(), spec.checks(), null, null, null,
        spec.caps(), null, null, new dev.durableloops.workflows.spec.DeliverSpec(null, null, null, true, true), null, null, spec.fanOut());
    LoopWorkflow loop = start(client, options, "loop-fleet-deliver", spec);
    LoopOutcome outcome = client.newUntypedWorkflowStub("loop-fleet-deliver").getResult(LoopOutcome.class);

    assertThat(outcome.status()).as(outcome.stopReason()).isEqualTo(LoopStatus.SUCCEEDED);
    LoopState state = loop.state();
    // One delivery per landing, each read back at that landing's head; none again at success (the head was delivered).
    assertThat(state.carried().deliveries).extracting(d -> d.checkpoint(), d -> d.pushed(), d -> d.commit())
        .containsExactly(org.assertj.core.groups.Tuple.tuple(1, true, state.carried().checkpoints.get(0).commit()),
            org.assertj.core.groups.Tuple.tuple(2, true, state.carried().checkpoints.get(1).commit()));
    assertThat(state.carried().timeline.stream().map(TimelineRow::reason).filter(r -> r.startsWith("landed task")))
        .hasSize(2).allMatch(r -> r.endsWith("; delivered and confirmed as loops/loop-fleet-deliver in the repository"));
    try (Git git = Git.open(repo.toFile())) {
      assertThat(git.getRepository().resolve("refs/heads/loops/loop-fleet-deliver").name()).isEqualTo(outcome.headCommit());
    }
  }

  @Test
  void cancellingTheParentCancelsItsChildren(WorkflowClient client, WorkflowOptions options) throws Exception {
    Path repo = TestRepos.create(DATA.resolve("origins/cancel"), Map.of("a.txt", "todo\n", "b.txt", "todo\n"));
    LoopWorkflow loop = start(client, options, "loop-fleet-cancel", spec(repo, discover("a", "b"), "sleep 6017", "true", 2));
    await().atMost(Duration.ofSeconds(60)).until(() -> loop.state().carried().tasks.stream()
        .filter(t -> t.status() == BacklogTask.Status.IN_PROGRESS).count() == 2);
    // Both children in their sleeping makers: a cancel that meets a step completing hangs a loop on
    // the time-skipping test server (temporalio/sdk-java#2391).
    for (String child : List.of("loop-fleet-cancel-t1", "loop-fleet-cancel-t2")) {
      await().atMost(Duration.ofSeconds(60)).until(() -> client.newWorkflowStub(LoopWorkflow.class, child).state()
          .live().phase == dev.durableloops.workflows.state.Phase.MAKE);
    }
    client.newUntypedWorkflowStub("loop-fleet-cancel").cancel();
    for (String child : List.of("loop-fleet-cancel-t1", "loop-fleet-cancel-t2")) {
      assertThatThrownBy(() -> client.newUntypedWorkflowStub(child).getResult(LoopOutcome.class))
          .isInstanceOf(WorkflowFailedException.class).hasCauseInstanceOf(CanceledFailure.class);
    }
    assertThatThrownBy(() -> client.newUntypedWorkflowStub("loop-fleet-cancel").getResult(LoopOutcome.class))
        .isInstanceOf(WorkflowFailedException.class).hasCauseInstanceOf(CanceledFailure.class);
    // The children's makers were killed with them (a cancelled step is waited for until its process group is dead).
    assertThat(running("sleep 6017")).as("a maker still runs after its loop was cancelled").isFalse();
  }

  /** Whether a process of this machine runs with {@code command} in its command line. */
  static boolean running(String command) {
    return ProcessHandle.allProcesses().anyMatch(p -> p.info().commandLine().map(c -> c.contains(command)).orElse(false));
  }
}
