package dev.durableloops.activities;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.durableloops.workflows.spec.Approval;
import dev.durableloops.workflows.spec.ApprovalTimeoutAction;
import dev.durableloops.workflows.spec.Caps;
import dev.durableloops.workflows.spec.CheckSpec;
import dev.durableloops.workflows.state.Decision;
import dev.durableloops.workflows.state.DecisionKind;
import dev.durableloops.workflows.spec.GateSpec;
import dev.durableloops.workflows.state.TimelineRow;
import dev.durableloops.workflows.LoopInput;
import dev.durableloops.workflows.LoopOutcome;
import dev.durableloops.workflows.spec.LoopSpec;
import dev.durableloops.workflows.state.LoopState;
import dev.durableloops.workflows.state.LoopStatus;
import dev.durableloops.workflows.LoopWorkflow;
import dev.durableloops.workflows.state.Phase;
import dev.durableloops.workflows.spec.StepSpec;
import dev.durableloops.workflows.state.Verdict;
import dev.durableloops.workflows.spec.WorkspaceSpec;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.TestWorkflowExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The loop workflow on Temporal's time-skipping test server, with the real activities: real git
 * repositories and real processes. Timers (approval timeouts, the deadline) cost nothing here.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class LoopWorkflowTest {

  static final Path DATA = TestLoops.dataDir("loop-workflow-test");

  @RegisterExtension
  static final TestWorkflowExtension temporal = TestLoops.server(new WorkerActivities(DATA).all());

  @AfterAll
  static void cleanUp() {
    WorkspaceFiles.deleteTree(DATA);
  }

  private static Path repo(String name, Map<String, String> files) throws Exception {
    return TestRepos.create(DATA.resolve("origins").resolve(name), files);
  }

  private static LoopSpec spec(Path repo, String make, List<CheckSpec> checks, GateSpec gate, Caps caps) {
    return new LoopSpec("t", "Make it pass", new WorkspaceSpec(repo.toString(), "main"), null, null,
        new StepSpec(make, "PT1M"), checks, null, null, gate, caps);
  }

  private static CheckSpec check(String command) {
    return new CheckSpec("check", command, null, "PT1M", true, null);
  }

  private static LoopWorkflow start(WorkflowClient client, WorkflowOptions options, String id, LoopSpec spec) {
    LoopWorkflow loop = client.newWorkflowStub(LoopWorkflow.class, WorkflowOptions.newBuilder(options).setWorkflowId(id).build());
    WorkflowClient.start(loop::run, new LoopInput(spec));
    return loop;
  }

  private static LoopOutcome result(WorkflowClient client, String id) {
    return client.newUntypedWorkflowStub(id).getResult(LoopOutcome.class);
  }

  private static LoopState awaitState(LoopWorkflow loop, Predicate<LoopState> condition) {
    return await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(loop::state, condition);
  }

  @Test
  void capsByIterations(WorkflowClient client, WorkflowOptions options) throws Exception {
    Path repo = repo("iterations", Map.of("a.txt", "a\n"));
    LoopSpec spec = spec(repo, "echo $LOOP_ITERATION >> a.txt", List.of(check("exit 1")), null, new Caps(3, "P1D", null, 100));
    LoopWorkflow loop = start(client, options, "loop-iterations", spec);
    LoopOutcome outcome = result(client, "loop-iterations");
    assertThat(outcome.status()).isEqualTo(LoopStatus.CAPPED);
    assertThat(outcome.stopReason()).isEqualTo("reached maxIterations=3");
    assertThat(outcome.iterations()).isEqualTo(3);
    LoopState state = loop.state();
    assertThat(state.carried().checkpoints).isEmpty();
    assertThat(state.carried().reflections).hasSize(3);
    assertThat(state.carried().timeline).extracting(TimelineRow::verdict).containsOnly(Verdict.REJECT);
    // Every rejected attempt was discarded: the workspace is back at the base commit.
    assertThat(Files.readString(DATA.resolve("loops/loop-iterations/workspace/a.txt"))).isEqualTo("a\n");
  }

  @Test
  void aReviewerVetoesAPassingAttemptAndTheNextIsAccepted(WorkflowClient client, WorkflowOptions options) throws Exception {
    Path repo = repo("review", Map.of("a.txt", "a\n"));
    // The reviewer approves from iteration 2 on; the gate's decision is the workflow's, the reviewer a Review activity.
    LoopSpec spec = new LoopSpec("t", "Make it pass", new WorkspaceSpec(repo.toString(), "main"), null, null,
        new StepSpec("echo $LOOP_ITERATION >> a.txt", "PT1M"), List.of(check("true")),
        new StepSpec("test \"$LOOP_ITERATION\" -ge 2 && test -s \"$LOOP_DIFF_FILE\"", "PT1M"), null, null, new Caps(5, "P1D", null, 100));
    LoopWorkflow loop = start(client, options, "loop-review", spec);
    LoopOutcome outcome = result(client, "loop-review");
    assertThat(outcome.status()).isEqualTo(LoopStatus.SUCCEEDED);
    assertThat(outcome.iterations()).isEqualTo(2);
    assertThat(loop.state().carried().timeline).extracting(TimelineRow::verdict, TimelineRow::reason).containsExactly(
        org.assertj.core.groups.Tuple.tuple(Verdict.REJECT, "the reviewer did not approve (exit 1)"),
        org.assertj.core.groups.Tuple.tuple(Verdict.ACCEPT, "every required check passed"));
    List<String> steps = client.fetchHistory("loop-review").getEvents().stream()
        .filter(e -> e.getEventType() == io.temporal.api.enums.v1.EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
        .map(e -> e.getActivityTaskScheduledEventAttributes().getActivityType().getName()).toList();
    assertThat(steps.subList(0, 11)).containsExactly("Prepare", "Plan", "Make", "Check", "Review", "Reflect", "Plan", "Make", "Check",
        "Review", "Checkpoint");
    assertThat(steps).doesNotContain("Discover", "Gate", "Discard");
  }

  @Test
  void capsByAThreeDayDeadlineWhileNobodyAnswersApprovals(TestWorkflowEnvironment env, WorkflowClient client, WorkflowOptions options)
      throws Exception {
    Path repo = repo("deadline", Map.of("a.txt", "a\n"));
    long start = env.currentTimeMillis();
    LoopSpec spec = spec(repo, "echo x >> a.txt", List.of(check("true")),
        new GateSpec(Approval.EVERY_ITERATION, "PT20H", ApprovalTimeoutAction.REJECT), new Caps(100, "P3D", null, 100));
    LoopWorkflow loop = start(client, options, "loop-deadline", spec);
    LoopOutcome outcome = result(client, "loop-deadline");
    assertThat(outcome.status()).isEqualTo(LoopStatus.CAPPED);
    assertThat(outcome.stopReason()).startsWith("reached maxDuration=P3D");
    assertThat(outcome.iterations()).isEqualTo(4);
    assertThat(env.currentTimeMillis() - start).isGreaterThanOrEqualTo(Duration.ofDays(3).toMillis());
    List<TimelineRow> timeline = loop.state().carried().timeline;
    assertThat(timeline.get(0).reason()).isEqualTo("no decision within approvalTimeout PT20H for iteration 1; attempt rejected (onApprovalTimeout=REJECT)");
    assertThat(timeline.get(3).reason()).startsWith("the loop's maxDuration P3D ended while waiting for approval of iteration 4");
  }

  @Test
  void capsByCostReportedByTheMaker(WorkflowClient client, WorkflowOptions options) throws Exception {
    Path repo = repo("cost", Map.of("a.txt", "a\n"));
    String maker = "echo $LOOP_ITERATION >> a.txt; printf '{\"summary\":\"tried\",\"costUsd\":0.6,\"tokens\":1000}' > \"$LOOP_RESULT_FILE\"";
    LoopSpec spec = spec(repo, maker, List.of(check("exit 1")), null, new Caps(10, "P1D", 1.0, 100));
    LoopWorkflow loop = start(client, options, "loop-cost", spec);
    LoopOutcome outcome = result(client, "loop-cost");
    assertThat(outcome.status()).isEqualTo(LoopStatus.CAPPED);
    assertThat(outcome.stopReason()).isEqualTo("reached maxCostUsd=1.00 (used 1.20)");
    assertThat(outcome.iterations()).isEqualTo(2);
    assertThat(loop.state().carried().budget.tokens()).isEqualTo(2000);
    assertThat(loop.state().carried().timeline.get(0).makerSummary()).isEqualTo("tried");
  }

  @Test
  void stallsOnTheSameFailureAndABadCommandFailsOnlyItsLoop(WorkflowClient client, WorkflowOptions options) throws Exception {
    Path repo = repo("stall", Map.of("a.txt", "a\n"));
    LoopSpec spec = spec(repo, "no-such-agent-command --fix", List.of(check("exit 1")), null, new Caps(10, "P1D", null, 3));
    LoopWorkflow loop = start(client, options, "loop-stall", spec);
    LoopOutcome outcome = result(client, "loop-stall");
    assertThat(outcome.status()).isEqualTo(LoopStatus.STALLED);
    assertThat(outcome.iterations()).isEqualTo(3);
    assertThat(outcome.stopReason()).contains("repeated 3 times in a row (maxRepeatedFailures=3)");
    LoopState state = loop.state();
    assertThat(state.carried().reflections.get(0).text()).contains("Maker: exit 127").contains("not found");
    assertThat(state.carried().reflections).extracting(r -> r.repeated()).containsExactly(false, true, true);
  }

  @Test
  void reflectionsReachTheNextIterationAndTheLoopSucceeds(WorkflowClient client, WorkflowOptions options) throws Exception {
    Path repo = TestRepos.slugify(DATA.resolve("origins/slugify"));
    String maker = "python3 " + TestRepos.exampleDir().resolve("maker.py");
    CheckSpec tests = new CheckSpec("tests", "python3 -m pytest -q -p no:cacheprovider --junitxml=.loop/reports/tests.xml",
        ".loop/reports/*.xml", "PT2M", true, null);
    LoopSpec spec = spec(repo, maker, List.of(tests), null, new Caps(6, "P1D", null, 3));
    LoopWorkflow loop = start(client, options, "loop-slugify", spec);
    LoopOutcome outcome = result(client, "loop-slugify");
    assertThat(outcome.status()).isEqualTo(LoopStatus.SUCCEEDED);
    assertThat(outcome.iterations()).isEqualTo(3);
    assertThat(outcome.checkpoints()).isEqualTo(1);
    LoopState state = loop.state();
    assertThat(state.carried().reflections.get(0).text())
        .contains("`test_slugify.test_transliterates_accents`: AssertionError")
        .contains("1 of 7 tests failing");
    assertThat(state.carried().lastEvidence.get(0).testsRun()).isEqualTo(7);
    Path ws = DATA.resolve("loops/loop-slugify/workspace");
    assertThat(Files.readString(ws.resolve(".loop/REFLECTIONS.md"))).contains("## Iteration 1").contains("## Iteration 2");
    assertThat(Files.readString(ws.resolve("slugify.py"))).contains("unicodedata.normalize");
  }

  @Test
  void approvalByUpdateBindsToTheDiffHash(WorkflowClient client, WorkflowOptions options) throws Exception {
    Path repo = repo("approve", Map.of("a.txt", "a\n"));
    LoopSpec spec = spec(repo, "echo fixed > a.txt", List.of(check("grep -q fixed a.txt")),
        new GateSpec(Approval.ON_PASS, "PT24H", ApprovalTimeoutAction.REJECT), null);
    LoopWorkflow loop = start(client, options, "loop-approve", spec);
    LoopState waiting = awaitState(loop, s -> s.status() == LoopStatus.AWAITING_APPROVAL);
    assertThat(waiting.live().phase).isEqualTo(Phase.APPROVAL);
    assertThat(waiting.live().pendingDecision.diffStat()).isEqualTo("1 file changed, +1 -1");

    assertThatThrownBy(() -> loop.decide(new Decision(DecisionKind.APPROVE, "not-the-hash", null, "ann")))
        .isInstanceOf(WorkflowUpdateException.class)
        .rootCause().hasMessageContaining("the pending attempt of iteration 1 has diff " + waiting.live().pendingDecision.diffHash());

    var answer = loop.decide(new Decision(DecisionKind.APPROVE, waiting.live().pendingDecision.diffHash(), "ship it", "ann"));
    assertThat(answer.iteration()).isEqualTo(1);
    LoopOutcome outcome = result(client, "loop-approve");
    assertThat(outcome.status()).isEqualTo(LoopStatus.SUCCEEDED);
    LoopState state = loop.state();
    assertThat(state.carried().checkpoints).hasSize(1);
    assertThat(state.carried().checkpoints.get(0).tag()).isEqualTo("loops/loop-approve/cp-1");
    assertThat(state.carried().timeline.get(0).reason()).isEqualTo("approved by ann: ship it");
    assertThat(state.live().pendingDecision).isNull();
  }

  @Test
  void approvalTimeoutRejectsAndSaysSo(WorkflowClient client, WorkflowOptions options) throws Exception {
    Path repo = repo("timeout", Map.of("a.txt", "a\n"));
    LoopSpec spec = spec(repo, "echo fixed > a.txt", List.of(check("true")),
        new GateSpec(Approval.ON_PASS, "PT24H", ApprovalTimeoutAction.REJECT), new Caps(1, "P3D", null, 3));
    LoopWorkflow loop = start(client, options, "loop-timeout", spec);
    LoopOutcome outcome = result(client, "loop-timeout");
    assertThat(outcome.status()).isEqualTo(LoopStatus.CAPPED);
    assertThat(outcome.checkpoints()).isZero();
    LoopState state = loop.state();
    assertThat(state.carried().timeline.get(0).verdict()).isEqualTo(Verdict.REJECT);
    assertThat(state.carried().reflections.get(0).text()).contains("no decision within approvalTimeout PT24H");
  }

  @Test
  void approvalTimeoutCanPauseUntilAHumanDecidesBySignal(TestWorkflowEnvironment env, WorkflowClient client, WorkflowOptions options)
      throws Exception {
    Path repo = repo("pause", Map.of("a.txt", "a\n"));
    LoopSpec spec = spec(repo, "echo fixed > a.txt", List.of(check("true")),
        new GateSpec(Approval.ON_PASS, "PT1H", ApprovalTimeoutAction.PAUSE), null);
    LoopWorkflow loop = start(client, options, "loop-pause", spec);
    awaitState(loop, s -> s.status() == LoopStatus.AWAITING_APPROVAL);
    env.sleep(Duration.ofHours(2));
    LoopState paused = awaitState(loop, s -> s.status() == LoopStatus.PAUSED);
    assertThat(paused.live().pendingDecision.deadline()).isNull();
    WorkflowStub.fromTyped(loop).signal("decision", new Decision(DecisionKind.APPROVE, paused.live().pendingDecision.diffHash(), null, null));
    assertThat(result(client, "loop-pause").status()).isEqualTo(LoopStatus.SUCCEEDED);
  }

  @Test
  void aMissingRepositoryFailsTheLoopWithAReadableReason(WorkflowClient client, WorkflowOptions options) {
    LoopSpec spec = spec(DATA.resolve("origins/does-not-exist"), "true", List.of(check("true")), null, null);
    LoopWorkflow loop = start(client, options, "loop-missing", spec);
    assertThatThrownBy(() -> result(client, "loop-missing")).isInstanceOf(WorkflowFailedException.class);
    LoopState state = loop.state();
    assertThat(state.status()).isEqualTo(LoopStatus.FAILED);
    assertThat(state.stopReason()).startsWith("Prepare failed (REPOSITORY_UNAVAILABLE): cannot clone");
  }

  /** Whether a process whose command line is {@code commandLine} runs on this machine (in any namespace). */
  static boolean running(String commandLine) {
    return ProcessHandle.allProcesses().anyMatch(p -> p.isAlive() && p.info().commandLine().map(c -> c.equals(commandLine) || c.endsWith("/" + commandLine)).orElse(false));
  }

  @Test
  void cancellingKillsTheRunningMaker(WorkflowClient client, WorkflowOptions options) throws Exception {
    Path repo = repo("cancel", Map.of("a.txt", "a\n"));
    LoopSpec spec = spec(repo, "sleep 120.31", List.of(check("true")), null, null);
    LoopWorkflow loop = start(client, options, "loop-cancel", spec);
    awaitState(loop, s -> s.live().phase == Phase.MAKE && running("sleep 120.31"));
    WorkflowStub.fromTyped(loop).cancel();
    assertThatThrownBy(() -> result(client, "loop-cancel")).isInstanceOf(WorkflowFailedException.class);
    await().atMost(Duration.ofSeconds(10)).until(() -> !running("sleep 120.31"));
    assertThat(loop.state().status()).isEqualTo(LoopStatus.CANCELLED);
  }

  @Test
  void maxDurationCutsTheStepInFlightAndKillsItsProcesses(WorkflowClient client, WorkflowOptions options) throws Exception {
    Path repo = repo("deadline", Map.of("a.txt", "a\n"));
    LoopSpec spec = spec(repo, "sleep 60.37; echo late > a.txt", List.of(check("true")), null,
        new Caps(5, "PT4S", null, 3));
    LoopWorkflow loop = start(client, options, "loop-deadline", spec);
    await().atMost(Duration.ofSeconds(30)).until(() -> running("sleep 60.37"));
    LoopOutcome outcome = result(client, "loop-deadline");
    assertThat(outcome.status()).isEqualTo(LoopStatus.CAPPED);
    assertThat(outcome.stopReason()).startsWith("reached maxDuration=PT4S during make (deadline ")
        .endsWith("the step was cancelled, its processes killed, its attempt not kept");
    assertThat(outcome.checkpoints()).isZero();
    await().atMost(Duration.ofSeconds(10)).until(() -> !running("sleep 60.37"));
    assertThat(loop.state().carried().timeline).extracting(r -> r.reason()).anyMatch(r -> r.startsWith("reached maxDuration=PT4S during make"));
  }

  @Test
  void rollbackMovesStateAndWorkspaceBackTogether(WorkflowClient client, WorkflowOptions options) throws Exception {
    Path repo = repo("rollback", Map.of("log.txt", ""));
    CheckSpec score = new CheckSpec("score", "echo score: $LOOP_ITERATION", null, "PT1M", true,
        new dev.durableloops.workflows.spec.MetricSpec("score: ([0-9]+)", dev.durableloops.workflows.spec.MetricGoal.MAXIMIZE, null));
    // Iteration 4's maker sleeps until the rollback cancels it: the update then never meets a step
    // that completes while its workflow task is in flight, which the time-skipping test server
    // cannot take (ACTIVITY_UNKNOWN for the cancel; the loop then hangs: temporalio/sdk-java#2391;
    // the real server takes it).
    LoopSpec spec = spec(repo, "[ \"$LOOP_ITERATION\" != 4 ] || sleep 60.41; echo $LOOP_ITERATION >> log.txt", List.of(score), null,
        new Caps(30, "P1D", null, 3));
    LoopWorkflow loop = start(client, options, "loop-rollback", spec);
    awaitState(loop, s -> s.carried().checkpoints.size() >= 3);
    await().atMost(Duration.ofSeconds(30)).until(() -> running("sleep 60.41"));

    assertThatThrownBy(() -> loop.rollback(new dev.durableloops.workflows.state.RollbackRequest(99, "no")))
        .isInstanceOf(WorkflowUpdateException.class).rootCause().hasMessageContaining("there is no checkpoint 99");

    var result = loop.rollback(new dev.durableloops.workflows.state.RollbackRequest(1, "cp-2 broke the API"));
    assertThat(result.checkpoint()).isEqualTo(1);
    assertThat(result.rolledBack()).contains(2, 3);
    LoopState after = loop.state();
    var cp1 = after.carried().checkpoints.get(0);
    assertThat(result.commit()).isEqualTo(cp1.commit());
    assertThat(after.carried().checkpoints).filteredOn(c -> c.number() > 1 && c.number() <= 3).hasSize(2).allMatch(c -> c.rolledBack());
    assertThat(after.carried().reflections).anySatisfy(r -> assertThat(r.text()).startsWith("Rolled back to checkpoint 1").contains("cp-2 broke the API"));
    assertThat(after.iteration()).isGreaterThanOrEqualTo(3);

    // The next checkpoint grows from cp-1's files, and its number is new.
    LoopState next = awaitState(loop, s -> s.carried().checkpoints.stream().anyMatch(c -> !c.rolledBack() && c.number() > result.rolledBack().get(result.rolledBack().size() - 1)));
    var fresh = next.carried().checkpoints.stream().filter(c -> !c.rolledBack() && c.number() > 1).findFirst().orElseThrow();
    WorkflowStub.fromTyped(loop).cancel();
    try (var git = org.eclipse.jgit.api.Git.open(DATA.resolve("loops/loop-rollback/workspace").toFile())) {
      var repository = git.getRepository();
      try (var walk = new org.eclipse.jgit.revwalk.RevWalk(repository)) {
        var commit = walk.parseCommit(repository.resolve(fresh.commit()));
        assertThat(commit.getParent(0).name()).isEqualTo(cp1.commit());
      }
      // Abandoned checkpoints stay reachable through their tags.
      assertThat(repository.resolve("refs/tags/loops/loop-rollback/cp-2")).isNotNull();
    }
  }
}
