package dev.durableloops.activities;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.durableloops.workflows.ForkSeed;
import dev.durableloops.workflows.LoopInput;
import dev.durableloops.workflows.LoopOutcome;
import dev.durableloops.workflows.LoopWorkflow;
import dev.durableloops.workflows.LoopWorkflowImpl;
import dev.durableloops.workflows.spec.Approval;
import dev.durableloops.workflows.spec.ApprovalTimeoutAction;
import dev.durableloops.workflows.spec.Caps;
import dev.durableloops.workflows.spec.CheckSpec;
import dev.durableloops.workflows.spec.GateSpec;
import dev.durableloops.workflows.spec.LoopSpec;
import dev.durableloops.workflows.spec.MakeSpec;
import dev.durableloops.workflows.spec.MakeVariant;
import dev.durableloops.workflows.spec.MetricGoal;
import dev.durableloops.workflows.spec.MetricSpec;
import dev.durableloops.workflows.spec.WorkspaceSpec;
import dev.durableloops.workflows.state.AttemptReport;
import dev.durableloops.workflows.state.Decision;
import dev.durableloops.workflows.state.DecisionKind;
import dev.durableloops.workflows.state.LoopState;
import dev.durableloops.workflows.state.LoopStatus;
import dev.durableloops.workflows.state.PendingDecision;
import dev.durableloops.workflows.state.SelectionReport;
import dev.durableloops.workflows.state.TimelineRow;
import dev.durableloops.workflows.state.Verdict;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.testing.TestWorkflowExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Best-of-N iterations ({@code make.attempts}, {@code make.variants}) on Temporal's time-skipping
 * test server with the real activities: real git repositories, real processes, each attempt in its
 * own workspace sharing the loop clone's objects.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class AttemptsWorkflowTest {

  static final Path DATA = TestLoops.dataDir("attempts-workflow-test");

  @RegisterExtension
  static final TestWorkflowExtension temporal = TestLoops.server(new WorkerActivities(DATA).all());

  @AfterAll
  static void cleanUp() {
    WorkspaceFiles.deleteTree(DATA);
  }

  private static LoopSpec spec(String name, List<String> makers, List<CheckSpec> checks, GateSpec gate, Caps caps) throws Exception {
    Path repo = TestRepos.create(DATA.resolve("origins").resolve(name), Map.of("a.txt", "a\n"));
    List<MakeVariant> variants = new ArrayList<>();
    for (int k = 0; k < makers.size(); k++) {
      variants.add(new MakeVariant("v" + (k + 1), makers.get(k)));
    }
    return new LoopSpec("t", "Make it pass", new WorkspaceSpec(repo.toString(), "main"), null, null,
        new MakeSpec("true", "PT1M", null, variants), checks, null, null, gate, caps, null, null, null, null, null, null);
  }

  private static CheckSpec check(String command, MetricSpec metric) {
    return new CheckSpec("check", command, null, "PT1M", true, metric);
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

  private static String storeRef(String ref) throws Exception {
    try (var repo = new org.eclipse.jgit.storage.file.FileRepositoryBuilder().setGitDir(DATA.resolve("store.git").toFile()).build()) {
      var id = repo.resolve(ref);
      return id == null ? null : id.name();
    }
  }

  @Test
  void ofThreeAttemptsTheOnlyOnePassingWinsAndTheLosersStayInTheStore(WorkflowClient client, WorkflowOptions options)
      throws Exception {
    LoopSpec spec = spec("three", List.of("echo bad > a.txt", "echo fixed > a.txt", "echo worse > a.txt"),
        List.of(check("grep -q fixed a.txt", null)), null, new Caps(3, "P1D", null, 3));
    LoopWorkflow loop = start(client, options, "loop-three", spec);
    LoopOutcome outcome = result(client, "loop-three");
    assertThat(outcome.status()).isEqualTo(LoopStatus.SUCCEEDED);
    TimelineRow row = loop.state().carried().timeline.get(0);
    SelectionReport report = row.selection();
    assertThat(report.winner()).isEqualTo(2);
    assertThat(report.rule()).isEqualTo("only attempt passing every required check");
    assertThat(report.attempts()).extracting(AttemptReport::variant).containsExactly("v1", "v2", "v3");
    assertThat(report.attempts()).extracting(AttemptReport::checks)
        .containsExactly(List.of("check:FAIL"), List.of("check:PASS"), List.of("check:FAIL"));
    assertThat(row.verdict()).isEqualTo(Verdict.ACCEPT);
    assertThat(row.attemptCommit()).isEqualTo(report.attempt(2).commit());
    assertThat(loop.state().carried().checkpoints.get(0).commit()).isEqualTo(report.attempt(2).commit());
    for (int k = 1; k <= 3; k++) {
      assertThat(storeRef("refs/loops/loop-three/attempts/1/" + k)).isEqualTo(report.attempt(k).commit());
    }
    assertThat(Files.readString(DATA.resolve("loops/loop-three/workspace/a.txt"))).isEqualTo("fixed\n");

    // A loser can be forked like a checkpoint: the fork's workspace starts at attempt 3's commit, from the store.
    ForkSeed seed = loop.attemptForkSeed(1, 3);
    assertThat(seed.commit()).isEqualTo(report.attempt(3).commit());
    assertThat(seed.checkpoint()).isZero();
    assertThat(seed.reflections()).last().extracting(r -> r.text()).asString()
        .contains("attempt 3 (v3) of iteration 1").contains("not from the attempt kept then (2: only attempt passing every required check)");
    LoopSpec single = new LoopSpec("t", "Make it pass", spec.workspace(), null, null, new dev.durableloops.workflows.spec.StepSpec("echo fixed > a.txt", "PT1M"),
        spec.checks(), null, null, null, new Caps(1, "P1D", null, 3));
    LoopWorkflow fork = client.newWorkflowStub(LoopWorkflow.class,
        WorkflowOptions.newBuilder(options).setWorkflowId("loop-three-fork").build());
    WorkflowClient.start(fork::run, LoopInput.forked(single, seed));
    assertThat(result(client, "loop-three-fork").status()).isEqualTo(LoopStatus.SUCCEEDED);
    assertThat(fork.state().carried().checkpoints.get(0).commit()).isNotEqualTo(seed.commit());
    assertThat(storeRef(fork.state().carried().checkpoints.get(0).commit() + "^")).isEqualTo(seed.commit());
    assertThatThrownBy(() -> loop.attemptForkSeed(1, 4)).hasStackTraceContaining("no finished attempt 4 of iteration 1");
  }

  @Test
  void ofTwoPassingAttemptsTheBetterMetricWinsAndWithoutAMetricTheSmallerDiff(WorkflowClient client, WorkflowOptions options)
      throws Exception {
    MetricSpec score = new MetricSpec("score=(\\d+)", MetricGoal.MAXIMIZE, null);
    LoopSpec metric = spec("metric", List.of("echo fixed > a.txt", "printf 'fixed\\nmore\\nlines\\n' > a.txt"),
        List.of(check("grep -q fixed a.txt && echo score=$(wc -l < a.txt)", score)), null, new Caps(1, "P1D", null, 3));
    LoopWorkflow byMetric = start(client, options, "loop-metric", metric);
    assertThat(result(client, "loop-metric").status()).isEqualTo(LoopStatus.CAPPED);
    SelectionReport report = byMetric.state().carried().timeline.get(0).selection();
    assertThat(report.winner()).isEqualTo(2);
    assertThat(report.rule()).isEqualTo("better metric");
    assertThat(report.attempts()).extracting(AttemptReport::metric).containsExactly(1.0, 3.0);

    LoopSpec diff = spec("diff", List.of("printf 'fixed\\nmore\\nlines\\n' > a.txt", "echo fixed > a.txt"),
        List.of(check("grep -q fixed a.txt", null)), null, new Caps(1, "P1D", null, 3));
    LoopWorkflow byDiff = start(client, options, "loop-diff", diff);
    assertThat(result(client, "loop-diff").status()).isEqualTo(LoopStatus.SUCCEEDED);
    SelectionReport smaller = byDiff.state().carried().timeline.get(0).selection();
    assertThat(smaller.winner()).isEqualTo(2);
    assertThat(smaller.rule()).isEqualTo("smaller diff");
    assertThat(smaller.attempts()).extracting(AttemptReport::linesChanged).containsExactly(4L, 2L);
    replays(client, "loop-metric");
  }

  @Test
  void aPersonApprovesAnotherPassingAttemptThanTheGatesPickByItsDiffHash(WorkflowClient client, WorkflowOptions options)
      throws Exception {
    LoopSpec spec = spec("choose", List.of("echo fixed > a.txt", "printf 'fixed\\nand more\\n' > a.txt", "echo bad > a.txt"),
        List.of(check("grep -q fixed a.txt", null)), new GateSpec(Approval.ON_PASS, "PT24H", ApprovalTimeoutAction.REJECT), null);
    LoopWorkflow loop = start(client, options, "loop-choose", spec);
    LoopState waiting = awaitState(loop, s -> s.status() == LoopStatus.AWAITING_APPROVAL);
    PendingDecision pending = waiting.live().pendingDecision;
    assertThat(pending.attempts()).extracting(PendingDecision.Choice::attempt).containsExactly(1, 2);
    PendingDecision.Choice second = pending.choice(2);
    assertThat(pending.diffHash()).isEqualTo(pending.choice(1).diffHash()).isNotEqualTo(second.diffHash());

    assertThatThrownBy(() -> loop.decide(new Decision(DecisionKind.APPROVE, pending.diffHash(), null, "ann", 2)))
        .isInstanceOf(WorkflowUpdateException.class).rootCause().hasMessageContaining("attempt 2 of iteration 1 has diff " + second.diffHash());
    assertThatThrownBy(() -> loop.decide(new Decision(DecisionKind.APPROVE, second.diffHash(), null, "ann", 3)))
        .isInstanceOf(WorkflowUpdateException.class).rootCause().hasMessageContaining("that passed the gate are [1, 2]");

    loop.decide(new Decision(DecisionKind.APPROVE, second.diffHash(), "the longer one", "ann", 2));
    assertThat(result(client, "loop-choose").status()).isEqualTo(LoopStatus.SUCCEEDED);
    LoopState state = loop.state();
    assertThat(state.carried().checkpoints.get(0).commit()).isEqualTo(second.commit());
    SelectionReport report = state.carried().timeline.get(0).selection();
    assertThat(report.winner()).isEqualTo(2);
    assertThat(report.rule()).isEqualTo("chosen by ann instead of attempt 1");
    assertThat(Files.readString(DATA.resolve("loops/loop-choose/workspace/a.txt"))).isEqualTo("fixed\nand more\n");
    replays(client, "loop-choose");
  }

  @Test
  void reachingTheCostCapWhileAttemptsRunCancelsTheirMakers(WorkflowClient client, WorkflowOptions options) throws Exception {
    // The spender waits 3 s, so the slow attempts are in their makers, not in a step that completes
    // as the cap cancels it (which hangs a loop on the time-skipping test server: temporalio/sdk-java#2391).
    String spender = "sleep 3; echo bad > a.txt; printf '{\"costUsd\":2.0}' > \"$LOOP_RESULT_FILE\"";
    String slow = "sleep 40.53";
    LoopSpec spec = spec("capped", List.of(spender, slow, slow), List.of(check("grep -q fixed a.txt", null)), null,
        new Caps(5, "P1D", 1.0, 3));
    long started = System.nanoTime();
    LoopWorkflow loop = start(client, options, "loop-capped", spec);
    LoopOutcome outcome = result(client, "loop-capped");
    assertThat(outcome.status()).isEqualTo(LoopStatus.CAPPED);
    assertThat(outcome.stopReason()).isEqualTo("reached maxCostUsd=1.00 (used 2.00)");
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(35));
    SelectionReport report = loop.state().carried().timeline.get(0).selection();
    assertThat(report.winner()).isEqualTo(1);
    assertThat(report.rule()).isEqualTo("only attempt that finished");
    assertThat(report.attempts()).extracting(AttemptReport::note).element(1).asString()
        .startsWith("cancelled: maxCostUsd=1.00 reached");
    assertThat(report.attempts().get(2).finished()).isFalse();
    assertThat(FanOutWorkflowTest.running("sleep 40.53")).as("a cancelled attempt's maker still runs").isFalse();
    replays(client, "loop-capped");
  }

  @Test
  void thePlanRunsOncePerIterationAndTheGatesOwnPickIsAnnouncedWithItsReport(WorkflowClient client, WorkflowOptions options)
      throws Exception {
    // Each attempt keeps the prompt it was given; the plan adds a line unique to each of its runs.
    String maker = "grep plan-run \"$LOOP_PROMPT_FILE\" > prompt.txt; echo fixed > a.txt";
    LoopSpec base = spec("planned", List.of(maker, maker), List.of(check("grep -q fixed a.txt", null)), null, new Caps(3, "P1D", null, 3));
    LoopSpec spec = new LoopSpec(base.name(), base.goal(), base.workspace(), null,
        new dev.durableloops.workflows.spec.StepSpec("echo \"plan-run $(date +%s%N)-$$\" >> \"$LOOP_PROMPT_FILE\"", "PT1M"),
        base.make(), base.checks(), null, null, null, base.caps(), null, null, null, null, null, null);
    LoopWorkflow loop = start(client, options, "loop-planned", spec);
    LoopOutcome outcome = result(client, "loop-planned");
    assertThat(outcome.status()).as(outcome.stopReason()).isEqualTo(LoopStatus.SUCCEEDED);

    // One plan run for the iteration: both attempts got the same prompt, with the plan's line once.
    String first = storeFile("refs/loops/loop-planned/attempts/1/1", "prompt.txt");
    assertThat(first).matches("plan-run \\d+-\\d+\n");
    assertThat(storeFile("refs/loops/loop-planned/attempts/1/2", "prompt.txt")).isEqualTo(first);
    // Both passed alike: the rule says which criteria tied.
    SelectionReport report = loop.state().carried().timeline.get(0).selection();
    assertThat(report.winner()).isEqualTo(1);
    assertThat(report.rule()).isEqualTo("all passed, diff/cost tied: lower attempt number");
    // The gate decided alone, and the selection went out as an attempts-selected event with the report.
    List<String> notified = client.fetchHistory("loop-planned").getEvents().stream()
        .filter(e -> e.hasActivityTaskScheduledEventAttributes()
            && e.getActivityTaskScheduledEventAttributes().getActivityType().getName().equals("Notify"))
        .map(e -> e.getActivityTaskScheduledEventAttributes().getInput().getPayloads(0).getData().toStringUtf8()).toList();
    assertThat(notified).filteredOn(n -> n.contains("\"attempts-selected\"")).singleElement().asString()
        .contains("\"winner\":1").contains("all passed, diff/cost tied: lower attempt number").contains("ACCEPT");
    io.temporal.testing.WorkflowReplayer.replayWorkflowExecution(TestLoops.record(client, "loop-planned", "best-of-n.json"),
        LoopWorkflowImpl.class);
  }

  /** The text of {@code path} at {@code ref} in the git store. */
  private static String storeFile(String ref, String path) throws Exception {
    try (var repo = new org.eclipse.jgit.storage.file.FileRepositoryBuilder().setGitDir(DATA.resolve("store.git").toFile()).build();
        var walk = new org.eclipse.jgit.revwalk.RevWalk(repo);
        var tree = org.eclipse.jgit.treewalk.TreeWalk.forPath(repo, path, walk.parseCommit(repo.resolve(ref)).getTree())) {
      return tree == null ? null : new String(repo.open(tree.getObjectId(0)).getBytes());
    }
  }

  /** The run's history replays against the workflow code: the attempts' threads and cancellations are deterministic. */
  private static void replays(WorkflowClient client, String id) throws Exception {
    io.temporal.testing.WorkflowReplayer.replayWorkflowExecution(client.fetchHistory(id), LoopWorkflowImpl.class);
  }
}
