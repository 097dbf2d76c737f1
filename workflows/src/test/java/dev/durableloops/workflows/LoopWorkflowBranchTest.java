package dev.durableloops.workflows;

import dev.durableloops.workflows.spec.Approval;
import dev.durableloops.workflows.spec.ApprovalTimeoutAction;
import dev.durableloops.workflows.spec.Caps;
import dev.durableloops.workflows.spec.CheckSpec;
import dev.durableloops.workflows.spec.DeliverSpec;
import dev.durableloops.workflows.spec.GateSpec;
import dev.durableloops.workflows.spec.NotifySpec;
import dev.durableloops.workflows.spec.LoopSpec;
import dev.durableloops.workflows.spec.MetricGoal;
import dev.durableloops.workflows.spec.MetricSpec;
import dev.durableloops.workflows.spec.StepSpec;
import dev.durableloops.workflows.spec.WorkspaceSpec;
import dev.durableloops.workflows.state.Budget;
import dev.durableloops.workflows.state.BudgetExtension;
import dev.durableloops.workflows.state.Decision;
import dev.durableloops.workflows.state.DecisionKind;
import dev.durableloops.workflows.state.DecisionResult;
import dev.durableloops.workflows.state.BacklogTask;
import dev.durableloops.workflows.steps.DeliverInput;
import dev.durableloops.workflows.steps.DeliverResult;
import dev.durableloops.workflows.steps.OutboundActivities;
import dev.durableloops.workflows.steps.WorkspaceActivities;
import dev.durableloops.workflows.steps.NotifyInput;
import dev.durableloops.workflows.state.TimelineRow;
import dev.durableloops.workflows.state.LoopState;
import dev.durableloops.workflows.state.LoopStatus;
import dev.durableloops.workflows.state.Note;
import dev.durableloops.workflows.state.Reflection;
import dev.durableloops.workflows.state.Verdict;
import dev.durableloops.workflows.steps.PrepareInput;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowQueryException;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every branch of the loop workflow on the time-skipping test server with {@link ScriptedActivities}
 * (no git, no processes): stops and their typed statuses, the approval protocol, and forks whose
 * reflections survive continue-as-new compaction. The same workflow runs against real git
 * repositories and processes in the activities module's {@code LoopWorkflowTest}.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class LoopWorkflowBranchTest {

  static final String QUEUE = "branches";

  private TestWorkflowEnvironment env;

  @AfterEach
  void close() {
    if (env != null) {
      env.close();
    }
  }

  private <A extends WorkspaceActivities & OutboundActivities> WorkflowClient start(A activities) {
    env = LoopTestEnvironment.newInstance();
    Worker worker = env.newWorker(QUEUE);
    worker.registerWorkflowImplementationTypes(LoopWorkflowImpl.class);
    worker.registerActivitiesImplementations(activities);
    env.start();
    return env.getWorkflowClient();
  }

  private static LoopSpec spec(GateSpec gate, Caps caps, MetricSpec metric) {
    return new LoopSpec("t", "Make it pass", new WorkspaceSpec("/nowhere", "main"), null, null, new StepSpec("maker", "PT1M"),
        List.of(new CheckSpec("tests", "check", null, "PT1M", true, metric)), null, null, gate, caps);
  }

  /** A backlog loop: {@code discover} set, no approval, at most 20 iterations, a task set aside after 2 failures. */
  private static LoopSpec backlogSpec() {
    return new LoopSpec("t", "Clear the backlog", new WorkspaceSpec("/nowhere", "main"), new StepSpec("list-tasks", "PT1M"), null,
        new StepSpec("maker", "PT1M"), List.of(new CheckSpec("tests", "check", null, "PT1M", true, null)), null, null,
        new GateSpec(Approval.NEVER, "PT1H", ApprovalTimeoutAction.REJECT), new Caps(20, "P1D", null, 2));
  }

  private static LoopSpec withDeliver(LoopSpec s, DeliverSpec deliver) {
    return new LoopSpec(s.name(), s.goal(), s.workspace(), s.discover(), s.plan(), s.make(), s.checks(), s.review(), s.reflect(), s.gate(),
        s.caps(), s.env(), s.passEnv(), deliver, s.notifications(), s.sandbox(), s.fanOut());
  }

  @Test
  void aSucceededLoopDeliversItsHeadOnceAndAFailedDeliveryIsReported() {
    ScriptedActivities activities = new ScriptedActivities(n -> n == 2, always(), false);
    WorkflowClient client = start(activities);
    LoopSpec base = spec(new GateSpec(Approval.NEVER, "PT1H", ApprovalTimeoutAction.REJECT), null, null);

    // By default: the head (cp-1, iteration 2's attempt) is delivered once, when the loop succeeds.
    LoopWorkflow plain = loop(client, "loop-deliver", new LoopInput(base));
    assertThat(result(client, "loop-deliver").status()).isEqualTo(LoopStatus.SUCCEEDED);
    assertThat(activities.delivered).singleElement().satisfies(d -> {
      assertThat(d.checkpoint()).isEqualTo(1);
      assertThat(d.onSuccess()).isTrue();
      assertThat(d.context().commit()).isEqualTo(ScriptedActivities.attempt(2));
    });
    assertThat(plain.state().carried().deliveries).extracting(DeliverResult::branch).containsExactly("loops/loop-deliver");

    // At each checkpoint when asked; the success does not deliver the same head again.
    activities.delivered.clear();
    loop(client, "loop-each", new LoopInput(withDeliver(base, new DeliverSpec(null, "gh pr create", null, true, true))));
    assertThat(result(client, "loop-each").status()).isEqualTo(LoopStatus.SUCCEEDED);
    assertThat(activities.delivered).extracting(DeliverInput::checkpoint, DeliverInput::onSuccess).containsExactly(tuple(1, false));

    // Nothing to push and no command: no Deliver step.
    activities.delivered.clear();
    loop(client, "loop-quiet", new LoopInput(withDeliver(base, new DeliverSpec(null, null, null, false, false))));
    assertThat(result(client, "loop-quiet").status()).isEqualTo(LoopStatus.SUCCEEDED);
    assertThat(activities.delivered).isEmpty();

    // A failed delivery leaves the loop's result standing and says why.
    activities.deliveryError = "push of loops/loop-refused to /nowhere failed: rejected";
    loop(client, "loop-refused", new LoopInput(base));
    LoopOutcome refused = result(client, "loop-refused");
    assertThat(refused.status()).isEqualTo(LoopStatus.SUCCEEDED);
    assertThat(refused.stopReason()).endsWith("; delivery failed: push of loops/loop-refused to /nowhere failed: rejected");
  }

  @Test
  void aLoopCallsAPersonWhenItWaitsRemindsBeforeTheTimeoutAndSaysWhenItEnds() {
    ScriptedActivities activities = new ScriptedActivities(n -> n == 1, always(), false);
    WorkflowClient client = start(activities);
    LoopSpec base = spec(new GateSpec(Approval.ON_PASS, "PT1H", ApprovalTimeoutAction.REJECT), null, null);
    LoopSpec spec = new LoopSpec(base.name(), base.goal(), base.workspace(), null, null, base.make(), base.checks(), null, null, base.gate(),
        null, null, null, null, new NotifySpec(List.of("https://hooks.example/loops"), 0.5), null, null);
    LoopWorkflow loop = loop(client, "loop-calls", new LoopInput(spec));
    awaitStatus(loop, LoopStatus.AWAITING_APPROVAL);
    await().atMost(Duration.ofSeconds(10)).until(() -> activities.notified.size() == 1);
    NotifyInput needed = activities.notified.get(0);
    assertThat(needed.event()).isEqualTo("approval-needed");
    assertThat(needed.iteration()).isEqualTo(1);
    assertThat(needed.diffStat()).isEqualTo("1 file changed, +1 -0");
    assertThat(needed.webhooks()).containsExactly("https://hooks.example/loops");
    assertThat(needed.deadline()).isNotNull();

    // Half the hour later (reminderAt 0.5) a reminder; no second one.
    env.sleep(Duration.ofMinutes(31));
    await().atMost(Duration.ofSeconds(10)).until(() -> activities.notified.size() == 2);
    assertThat(activities.notified.get(1).event()).isEqualTo("approval-reminder");

    loop.decide(new Decision(DecisionKind.APPROVE, "hash-1", null, "ann"));
    assertThat(result(client, "loop-calls").status()).isEqualTo(LoopStatus.SUCCEEDED);
    assertThat(activities.notified).extracting(NotifyInput::event).containsExactly("approval-needed", "approval-reminder", "ended");
    assertThat(activities.notified.get(2).status()).isEqualTo("SUCCEEDED");
  }

  @Test
  void aCapThatAsksWaitsForAnExtensionAndEndsCappedWithoutOne() {
    ScriptedActivities activities = new ScriptedActivities(never(), always(), false);
    WorkflowClient client = start(activities);
    Caps asking = new Caps(2, "P1D", null, 100, Caps.OnCap.ASK, "PT1H");
    LoopWorkflow loop = loop(client, "loop-ask-budget", new LoopInput(spec(null, asking, null)));
    LoopState waiting = awaitStatus(loop, LoopStatus.AWAITING_BUDGET);
    assertThat(waiting.iteration()).isEqualTo(2);

    // Refused: an extension that leaves the loop at its cap; then one more iteration, by Update.
    assertThatThrownBy(() -> loop.extend(new BudgetExtension(2, null, null, "ann", "same")))
        .isInstanceOf(WorkflowUpdateException.class).rootCause().hasMessageContaining("maxIterations 2 is not above the 2 iterations run");
    Budget budget = loop.extend(new BudgetExtension(3, null, null, "ann", "one more try"));
    assertThat(budget.limits().maxIterations()).isEqualTo(3);
    LoopState again = awaitStatus(loop, LoopStatus.AWAITING_BUDGET);
    assertThat(again.iteration()).isEqualTo(3);
    assertThat(again.carried().timeline).extracting(TimelineRow::reason)
        .contains("budget extended by ann: maxIterations 2 → 3 (one more try)");

    // No one answers within extendTimeout: CAPPED, saying so.
    env.sleep(Duration.ofMinutes(61));
    LoopOutcome outcome = result(client, "loop-ask-budget");
    assertThat(outcome.status()).isEqualTo(LoopStatus.CAPPED);
    assertThat(outcome.stopReason()).isEqualTo("reached maxIterations=3; no one extended the budget within PT1H");
    assertThat(activities.notified).extracting(NotifyInput::event).containsExactly("budget-needed", "budget-needed", "ended");
  }

  @Test
  void aBacklogLoopWorksTaskByTaskAndSetsAsideTheOneThatKeepsFailing() {
    BacklogActivities activities = new BacklogActivities(List.of("a", "b", "c", "d"), Set.of("c"));
    WorkflowClient client = start(activities);
    LoopWorkflow loop = loop(client, "loop-backlog", new LoopInput(backlogSpec()));
    LoopOutcome outcome = result(client, "loop-backlog");

    // a and b become checkpoints, c fails twice and is set aside, d is done, and only c is left.
    assertThat(outcome.status()).isEqualTo(LoopStatus.STALLED);
    assertThat(outcome.stopReason()).isEqualTo("every task discover still finds was set aside (1); 3 task(s) done");
    assertThat(activities.planned).containsExactly("fix a\n\ndetail of a", "fix b\n\ndetail of b", "fix c\n\ndetail of c",
        "fix c\n\ndetail of c", "fix d\n\ndetail of d");
    LoopState state = loop.state();
    assertThat(state.carried().tasks).extracting(BacklogTask::id, BacklogTask::status, BacklogTask::checkpoint, BacklogTask::attempts)
        .containsExactly(
            tuple("a", BacklogTask.Status.DONE, 1, 1),
            tuple("b", BacklogTask.Status.DONE, 2, 1),
            tuple("d", BacklogTask.Status.DONE, 3, 1),
            tuple("c", BacklogTask.Status.SET_ASIDE, null, 2));
    assertThat(state.carried().tasks.get(3).reason()).startsWith("failed 2 times in a row; last: required checks failed");
    assertThat(state.carried().checkpoints).hasSize(3);
    assertThat(state.carried().reflections).extracting(Reflection::text)
        .anyMatch(t -> t.startsWith("Set aside task 'fix c' after 2 failed attempts in a row (maxRepeatedFailures=2)"));
  }

  @Test
  void aBacklogLoopSucceedsWhenDiscoverFindsNoWorkLeft() {
    BacklogActivities activities = new BacklogActivities(List.of("a", "b"), Set.of());
    WorkflowClient client = start(activities);
    loop(client, "loop-cleared", new LoopInput(backlogSpec()));
    LoopOutcome outcome = result(client, "loop-cleared");
    assertThat(outcome.status()).isEqualTo(LoopStatus.SUCCEEDED);
    assertThat(outcome.stopReason()).isEqualTo("discover found no work left: 2 task(s) done");
    assertThat(outcome.iterations()).isEqualTo(3);

    // The same backlog, now empty: a run with no work ends at once.
    loop(client, "loop-no-work", new LoopInput(backlogSpec()));
    LoopOutcome noWork = result(client, "loop-no-work");
    assertThat(noWork.status()).isEqualTo(LoopStatus.SUCCEEDED);
    assertThat(noWork.stopReason()).isEqualTo("no work: discover found no tasks");
    assertThat(activities.planned).hasSize(2);
  }

  private static LoopWorkflow loop(WorkflowClient client, String id, LoopInput input) {
    LoopWorkflow loop = client.newWorkflowStub(LoopWorkflow.class, WorkflowOptions.newBuilder().setTaskQueue(QUEUE).setWorkflowId(id).build());
    WorkflowClient.start(loop::run, input);
    return loop;
  }

  private static LoopOutcome result(WorkflowClient client, String id) {
    return client.newUntypedWorkflowStub(id).getResult(LoopOutcome.class);
  }

  private static IntPredicate never() {
    return n -> false;
  }

  private static IntPredicate always() {
    return n -> true;
  }

  @Test
  void discoverFindingNoWorkSucceedsAtOnce() {
    // Only a discover command can find no work: without one the goal is the task, in the workflow
    // since the lean iteration (Versions.LEAN_ITERATION), so this loop has one.
    WorkflowClient client = start(new ScriptedActivities(always(), never(), false));
    loop(client, "loop-idle", new LoopInput(backlogSpec()));
    LoopOutcome outcome = result(client, "loop-idle");
    assertThat(outcome.status()).isEqualTo(LoopStatus.SUCCEEDED);
    assertThat(outcome.stopReason()).isEqualTo("no work: discover found no tasks");
    assertThat(outcome.iterations()).isEqualTo(1);
  }

  @Test
  void theIterationCapIsCappedAndTheBreakerIsStalled() {
    WorkflowClient client = start(new ScriptedActivities(never(), always(), false));
    loop(client, "loop-cap", new LoopInput(spec(null, new Caps(4, "P1D", null, 100), null)));
    LoopOutcome capped = result(client, "loop-cap");
    assertThat(capped.status()).isEqualTo(LoopStatus.CAPPED);
    assertThat(capped.stopReason()).isEqualTo("reached maxIterations=4");

    // Every failure has its own signature here, so the breaker fires only on maxRepeatedFailures=1.
    loop(client, "loop-stall", new LoopInput(spec(null, new Caps(10, "P1D", null, 1), null)));
    LoopOutcome stalled = result(client, "loop-stall");
    assertThat(stalled.status()).isEqualTo(LoopStatus.STALLED);
    assertThat(stalled.stopReason()).startsWith("stalled: the same failure (sig-1) repeated 1 times");
    assertThat(stalled.iterations()).isEqualTo(1);
  }

  @Test
  void aPassingAttemptWaitsForTheHumanWhoNamesItsDiff() {
    WorkflowClient client = start(new ScriptedActivities(n -> n == 2, always(), false));
    LoopWorkflow loop = loop(client, "loop-ask",
        new LoopInput(spec(new GateSpec(Approval.ON_PASS, "PT24H", ApprovalTimeoutAction.REJECT), null, null)));
    await().atMost(Duration.ofSeconds(30)).until(() -> loop.state().status() == LoopStatus.AWAITING_APPROVAL);
    LoopState waiting = loop.state();
    assertThat(waiting.live().pendingDecision.iteration()).isEqualTo(2);
    assertThat(waiting.live().pendingDecision.diffHash()).isEqualTo("hash-2");
    assertThatThrownBy(() -> loop.decide(new Decision(DecisionKind.APPROVE, "hash-1", null, "ann")))
        .isInstanceOf(WorkflowUpdateException.class)
        .rootCause().hasMessageContaining("the pending attempt of iteration 2 has diff hash-2");
    // The same mistakes as Signals (from the Temporal UI, which has no validator): ignored, and the timeline says why.
    io.temporal.client.WorkflowStub.fromTyped(loop).signal("decision", new Decision(DecisionKind.APPROVE, "hash-1", null, "bob"));
    io.temporal.client.WorkflowStub.fromTyped(loop).signal("addNote", new Note("  ", "bob", null));
    await().atMost(Duration.ofSeconds(10)).until(() -> loop.state().carried().timeline.stream().filter(r -> r.reason().contains("signal ignored")).count() == 2);
    assertThat(loop.state().carried().timeline).extracting(TimelineRow::reason)
        .contains("addNote signal ignored: the note has no text")
        .anyMatch(r -> r.startsWith("decision signal ignored: ") && r.contains("the pending attempt of iteration 2 has diff hash-2"));
    assertThat(loop.state().status()).isEqualTo(LoopStatus.AWAITING_APPROVAL);
    DecisionResult answer = loop.decide(new Decision(DecisionKind.APPROVE, "hash-2", "ship it", "ann"));
    assertThat(answer.iteration()).isEqualTo(2);
    LoopOutcome outcome = result(client, "loop-ask");
    assertThat(outcome.status()).isEqualTo(LoopStatus.SUCCEEDED);
    TimelineRow approved = loop.state().carried().timeline.stream().filter(r -> r.verdict() == Verdict.ACCEPT).findFirst().orElseThrow();
    assertThat(approved.reason()).isEqualTo("approved by ann: ship it");
    // The last iteration's checkpoint and the delivery get their time too, though the loop ends right after them.
    assertThat(new java.util.ArrayList<>(approved.stepMillis().keySet()))
        .containsExactly("discover", "plan", "make", "check", "gate", "approval", "checkpoint", "deliver");
    // The approval wait's timer carries a summary the Temporal UI shows in the history.
    java.util.List<String> timerSummaries = client.fetchHistory("loop-ask").getEvents().stream()
        .filter(e -> e.getEventType() == io.temporal.api.enums.v1.EventType.EVENT_TYPE_TIMER_STARTED)
        .map(e -> io.temporal.common.converter.DefaultDataConverter.STANDARD_INSTANCE
            .fromPayload(e.getUserMetadata().getSummary(), String.class, String.class))
        .toList();
    assertThat(timerSummaries).containsExactlyInAnyOrder("approval of iteration 2: waits for a human for the approvalTimeout PT24H",
        "approval reminder of iteration 2", "maxDuration P3D ends");
  }

  @Test
  void aForkAfterContinueAsNewCarriesExactlyTheCheckpointsReflectionsAndTheNotes() {
    // Iterations 1–24 fail, 25 passes with metric 25 (cp-1), 26–30 fail; a continue-as-new after
    // every iteration folds all but the newest 20 reflections into a summary.
    ScriptedActivities activities = new ScriptedActivities(n -> n == 25, always(), true);
    WorkflowClient client = start(activities);
    MetricSpec metric = new MetricSpec("score: ([0-9]+)", MetricGoal.MAXIMIZE, null);
    LoopSpec spec = spec(null, new Caps(30, "P1D", null, 100), metric);
    // The note goes in with the start (signal-with-start), so its handler runs before the workflow
    // method: it must land in the loop's state (it was lost when the method built the state).
    client.newUntypedWorkflowStub("LoopWorkflow", WorkflowOptions.newBuilder().setTaskQueue(QUEUE).setWorkflowId("loop-source").build())
        .signalWithStart("addNote", new Object[] {new Note("never touch the tests", "ann", null)},
            new Object[] {new LoopInput(spec, null, 1).withRules(List.of("keep the public API stable"))});
    LoopWorkflow source = client.newWorkflowStub(LoopWorkflow.class, "loop-source");
    LoopOutcome outcome = result(client, "loop-source");
    assertThat(outcome.status()).isEqualTo(LoopStatus.CAPPED);

    LoopState state = source.state();
    assertThat(state.carried().reflectionsWritten).isEqualTo(29);
    // The repository's rules it started with are kept across every continue-as-new.
    assertThat(state.carried().rules).containsExactly("keep the public API stable");
    assertThat(state.carried().reflections).hasSize(21);
    assertThat(state.carried().reflections.get(0).signature()).isEqualTo("summary");
    assertThat(state.carried().checkpoints.get(0).reflections()).isEqualTo(24);
    // Each timeline row keeps its attempt's metric and the time of each step it ran, in order.
    TimelineRow accepted = state.carried().timeline.stream().filter(r -> r.iteration() == 25).findFirst().orElseThrow();
    assertThat(accepted.metric()).isEqualTo(25.0);
    assertThat(accepted.stepMillis()).containsOnlyKeys("discover", "plan", "make", "check", "gate", "checkpoint");
    assertThat(new java.util.ArrayList<>(accepted.stepMillis().keySet()))
        .containsExactly("discover", "plan", "make", "check", "gate", "checkpoint");
    TimelineRow rejected = state.carried().timeline.stream().filter(r -> r.iteration() == 26).findFirst().orElseThrow();
    assertThat(new java.util.ArrayList<>(rejected.stepMillis().keySet()))
        // Since the lean iteration (Versions.LEAN_ITERATION) Reflect throws the attempt away: no discard step.
        .containsExactly("discover", "plan", "make", "check", "gate", "reflect");

    ForkSeed seed = source.forkSeed(1);
    assertThat(seed.commit()).isEqualTo(ScriptedActivities.attempt(25));
    assertThat(seed.bestMetric()).isEqualTo(25.0);
    assertThat(seed.notes()).extracting(Note::text).containsExactly("never touch the tests");
    // The summary of iterations 1–9 and the whole reflections of 10–24; none from after cp-1.
    assertThat(seed.reflections().get(0).signature()).isEqualTo("summary");
    assertThat(seed.reflections().subList(1, seed.reflections().size())).extracting(Reflection::iteration)
        .containsExactly(10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24);

    assertThatThrownBy(() -> source.forkSeed(7)).isInstanceOf(WorkflowQueryException.class)
        .rootCause().hasMessageContaining("has no checkpoint 7");

    LoopWorkflow fork = loop(client, "loop-fork", LoopInput.forked(spec, seed));
    await().atMost(Duration.ofSeconds(30)).until(() -> fork.state().iteration() >= 1);
    LoopState forked = fork.state();
    assertThat(forked.carried().baseCommit).isEqualTo(ScriptedActivities.attempt(25));
    assertThat(forked.carried().bestMetric).isEqualTo(25.0);
    assertThat(forked.carried().notes).extracting(Note::text).containsExactly("never touch the tests");
    assertThat(forked.carried().reflections.get(16).text()).isEqualTo("Forked from loop loop-source at checkpoint 1 ("
        + ScriptedActivities.attempt(25) + ").");
    assertThat(forked.carried().budget.costUsd()).isLessThan(state.carried().budget.costUsd());
    PrepareInput first = activities.prepared.stream().filter(p -> p.loopId().equals("loop-fork")).findFirst().orElseThrow();
    assertThat(first.commit()).isEqualTo(ScriptedActivities.attempt(25));
    assertThat(first.forkOf()).isEqualTo("loop-source");
  }

  // ---- pause, resume, a pending decision and an approval timeout, in combination ----

  private LoopState awaitStatus(LoopWorkflow loop, LoopStatus status) {
    return await().atMost(Duration.ofSeconds(30)).until(loop::state, s -> s.status() == status);
  }

  @Test
  void resumeAfterAPausingApprovalTimeoutWaitsForTheDecisionAgain() {
    WorkflowClient client = start(new ScriptedActivities(n -> n == 1, always(), false));
    LoopWorkflow loop = loop(client, "loop-resumable",
        new LoopInput(spec(new GateSpec(Approval.ON_PASS, "PT1H", ApprovalTimeoutAction.PAUSE), null, null)));
    awaitStatus(loop, LoopStatus.AWAITING_APPROVAL);
    env.sleep(Duration.ofMinutes(61));
    LoopState paused = awaitStatus(loop, LoopStatus.PAUSED);
    assertThat(paused.live().pendingDecision.deadline()).isNull();

    loop.resume();
    LoopState waiting = awaitStatus(loop, LoopStatus.AWAITING_APPROVAL);
    assertThat(waiting.live().pendingDecision.deadline()).isNotNull();
    assertThat(waiting.live().pendingDecision.diffHash()).isEqualTo("hash-1");

    env.sleep(Duration.ofMinutes(61));
    awaitStatus(loop, LoopStatus.PAUSED);
    io.temporal.client.WorkflowStub.fromTyped(loop).signal("decision", new Decision(DecisionKind.APPROVE, "hash-1", null, "ann"));
    assertThat(result(client, "loop-resumable").status()).isEqualTo(LoopStatus.SUCCEEDED);
    assertThat(loop.state().carried().timeline.get(0).reason()).isEqualTo("approved by ann");
  }

  @Test
  void aPauseDuringTheWaitTakesEffectAfterTheDecision() {
    WorkflowClient client = start(new ScriptedActivities(never(), always(), false));
    LoopWorkflow loop = loop(client, "loop-pause-wait", new LoopInput(
        spec(new GateSpec(Approval.EVERY_ITERATION, "PT1H", ApprovalTimeoutAction.REJECT), new Caps(3, "P1D", null, 100), null)));
    awaitStatus(loop, LoopStatus.AWAITING_APPROVAL);
    loop.pause();
    // Still waiting for the human: a pause does not drop the pending decision.
    assertThat(loop.state().status()).isEqualTo(LoopStatus.AWAITING_APPROVAL);
    loop.decide(new Decision(DecisionKind.REJECT, "hash-1", "not like this", "ann"));
    LoopState paused = awaitStatus(loop, LoopStatus.PAUSED);
    assertThat(paused.iteration()).isEqualTo(1);
    assertThat(paused.live().pendingDecision).isNull();
    assertThat(paused.carried().reflections).hasSize(1);

    loop.resume();
    LoopState next = awaitStatus(loop, LoopStatus.AWAITING_APPROVAL);
    assertThat(next.live().pendingDecision.iteration()).isEqualTo(2);
  }

  @Test
  void aRejectingApprovalTimeoutWithAPauseRequestedPausesBeforeTheNextIteration() {
    WorkflowClient client = start(new ScriptedActivities(never(), always(), false));
    LoopWorkflow loop = loop(client, "loop-pause-timeout", new LoopInput(
        spec(new GateSpec(Approval.EVERY_ITERATION, "PT1H", ApprovalTimeoutAction.REJECT), new Caps(3, "P1D", null, 100), null)));
    awaitStatus(loop, LoopStatus.AWAITING_APPROVAL);
    loop.pause();
    env.sleep(Duration.ofMinutes(61));
    LoopState paused = awaitStatus(loop, LoopStatus.PAUSED);
    assertThat(paused.iteration()).isEqualTo(1);
    assertThat(paused.carried().timeline.get(0).reason()).startsWith("no decision within approvalTimeout PT1H for iteration 1");
    // A resume with nothing pending just resumes the loop.
    loop.resume();
    assertThat(awaitStatus(loop, LoopStatus.AWAITING_APPROVAL).live().pendingDecision.iteration()).isEqualTo(2);
  }

  @Test
  void aForkOfALoopWithoutAMetricHasNoBestMetric() {
    WorkflowClient client = start(new ScriptedActivities(n -> n == 2, always(), false));
    LoopWorkflow source = loop(client, "loop-plain", new LoopInput(spec(null, null, null)));
    assertThat(result(client, "loop-plain").status()).isEqualTo(LoopStatus.SUCCEEDED);
    ForkSeed seed = source.forkSeed(1);
    assertThat(seed.bestMetric()).isNull();
    assertThat(seed.reflections()).extracting(Reflection::text).containsExactly("reflection of iteration 1");
    ForkSeed base = source.forkSeed(0);
    assertThat(base.commit()).isEqualTo(ScriptedActivities.BASE);
    assertThat(base.reflections()).isEmpty();
  }
}
