package dev.durableloops.activities;

import static dev.durableloops.activities.FanOutWorkflowTest.discover;
import static dev.durableloops.activities.FanOutWorkflowTest.file;
import static dev.durableloops.activities.FanOutWorkflowTest.maker;
import static dev.durableloops.activities.FanOutWorkflowTest.running;
import static dev.durableloops.activities.FanOutWorkflowTest.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.durableloops.workflows.LoopInput;
import dev.durableloops.workflows.LoopOutcome;
import dev.durableloops.workflows.LoopWorkflow;
import dev.durableloops.workflows.LoopWorkflowImpl;
import dev.durableloops.workflows.spec.Caps;
import dev.durableloops.workflows.spec.LoopSpec;
import dev.durableloops.workflows.state.BacklogTask;
import dev.durableloops.workflows.state.BudgetExtension;
import dev.durableloops.workflows.state.FleetState;
import dev.durableloops.workflows.state.LoopState;
import dev.durableloops.workflows.state.LoopStatus;
import dev.durableloops.workflows.state.Phase;
import dev.durableloops.workflows.state.RollbackRequest;
import dev.durableloops.workflows.state.RollbackResult;
import dev.durableloops.workflows.state.TimelineRow;
import io.temporal.api.enums.v1.EventType;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.failure.CanceledFailure;
import io.temporal.testing.TestWorkflowExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A fan-out parent is as durable as a single loop (issue 21, item 7): rollback, pause,
 * continue-as-new and {@code onCap: ASK} for the whole fleet, on Temporal's time-skipping test
 * server with the real activities, real git repositories and real processes.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class FanOutDurabilityTest {

  static final Path DATA = TestLoops.dataDir("fan-out-durability-test");

  @RegisterExtension
  static final TestWorkflowExtension temporal = TestLoops.server(new WorkerActivities(DATA).all());

  @AfterAll
  static void cleanUp() {
    WorkspaceFiles.deleteTree(DATA);
  }

  private static LoopSpec withCaps(LoopSpec spec, Caps caps) {
    return new LoopSpec(spec.name(), spec.goal(), spec.workspace(), spec.discover(), null, spec.make(), spec.checks(), null, null, null,
        caps, null, null, null, null, null, spec.fanOut());
  }

  private static LoopWorkflow start(WorkflowClient client, WorkflowOptions options, String id, LoopInput input) {
    LoopWorkflow loop = client.newWorkflowStub(LoopWorkflow.class, WorkflowOptions.newBuilder(options).setWorkflowId(id).build());
    WorkflowClient.start(loop::run, input);
    return loop;
  }

  private static List<String> rows(LoopState state) {
    return state.carried().timeline.stream().map(TimelineRow::reason).toList();
  }

  /** How many {@code Notify} activities with {@code event} loop {@code id}'s history scheduled. */
  private static long notified(WorkflowClient client, String id, String event) {
    return client.fetchHistory(id).getEvents().stream()
        .filter(e -> e.hasActivityTaskScheduledEventAttributes()
            && e.getActivityTaskScheduledEventAttributes().getActivityType().getName().equals("Notify"))
        .filter(e -> e.getActivityTaskScheduledEventAttributes().getInput().getPayloads(0).getData().toStringUtf8()
            .contains("\"event\":\"" + event + "\""))
        .count();
  }

  private static FleetState.Child child(LoopState state, String loopId) {
    return state.carried().fleet.children.stream().filter(c -> c.loopId().equals(loopId)).findFirst().orElseThrow();
  }

  @Test
  void rollingBackTheParentCancelsRunningChildrenMovesTheBranchBackAndKeepsTheChildrensCommits(WorkflowClient client,
      WorkflowOptions options) throws Exception {
    Path repo = TestRepos.create(DATA.resolve("origins/rollback"), Map.of("a.txt", "todo\n", "b.txt", "todo\n", "c.txt", "todo\n"));
    // One child at a time: a lands as cp-1, b as cp-2, then c's maker sleeps until it is cancelled.
    String id = "loop-fleet-rollback";
    LoopWorkflow loop = start(client, options, id,
        new LoopInput(spec(repo, discover("a", "b", "c"), maker("case $t in c) sleep 6018;; esac"), "true", 1)));
    await().atMost(Duration.ofSeconds(90)).until(() -> loop.state().carried().fleet != null
        && loop.state().carried().fleet.children.size() == 3);
    await().atMost(Duration.ofSeconds(60)).until(() -> client.newWorkflowStub(LoopWorkflow.class, id + "-t3").state().live().phase
        == Phase.MAKE);
    LoopState before = loop.state();
    String cp1 = before.carried().checkpoints.get(0).commit();
    String cp2 = before.carried().checkpoints.get(1).commit();
    Path store = DATA.resolve("store.git");
    assertThat(StoreLanding.read(store, "refs/heads/loops/" + id).name()).isEqualTo(cp2);

    RollbackResult result = loop.rollback(new RollbackRequest(1, "b is wrong"));

    assertThat(result.checkpoint()).isEqualTo(1);
    assertThat(result.rolledBack()).containsExactly(2);
    // The running child was cancelled and its maker killed; its reservation was settled.
    assertThatThrownBy(() -> client.newUntypedWorkflowStub(id + "-t3").getResult(LoopOutcome.class))
        .isInstanceOf(WorkflowFailedException.class).hasCauseInstanceOf(CanceledFailure.class);
    assertThat(running("sleep 6018")).as("the cancelled child's maker still runs").isFalse();
    LoopState after = loop.state();
    assertThat(child(after, id + "-t3").status()).isEqualTo("CANCELLED");
    assertThat(after.carried().fleet.reservedUsd).isZero();
    assertThat(rows(after)).anyMatch(r -> r.startsWith("cancelled child " + id + "-t3 for the rollback to checkpoint 1"));
    // The branch is back at cp-1 in the store; the abandoned landing and the children's commits stay under their refs.
    assertThat(StoreLanding.read(store, "refs/heads/loops/" + id).name()).isEqualTo(cp1);
    assertThat(file(store, "loops/" + id, "b.txt")).isEqualTo("todo\n");
    assertThat(StoreLanding.read(store, "refs/tags/loops/" + id + "/cp-2").name()).isEqualTo(cp2);
    assertThat(StoreLanding.read(store, "refs/tags/loops/" + id + "-t2/cp-1")).isNotNull();
    // Task b is work again: a fresh child lands it at the rolled-back head as cp-3.
    await().atMost(Duration.ofSeconds(90)).until(() -> loop.state().carried().checkpoints.size() == 3);
    LoopState again = loop.state();
    assertThat(child(again, id + "-t4").taskId()).isEqualTo("b");
    assertThat(child(again, id + "-t4").status()).isEqualTo("LANDED");
    assertThat(file(store, "loops/" + id, "b.txt")).isEqualTo("done\n");

    // Cancelled at a settled moment: task c's fresh child in its sleeping maker, the parent waiting on
    // it with no step of its own in flight. A cancel that meets a step completing while the workflow
    // task is in flight hangs the loop on the time-skipping test server (ACTIVITY_UNKNOWN,
    // temporalio/sdk-java#2391; the real server takes it): this test ran out of time in CI once,
    // when this wait, then without "a running child", passed on none right after the landing.
    await().atMost(Duration.ofSeconds(60)).until(() -> {
      var running = loop.state().carried().fleet.children.stream().filter(c -> c.status().equals("RUNNING")).toList();
      return !running.isEmpty() && running("sleep 6018")
          && running.stream().allMatch(c -> client.newWorkflowStub(LoopWorkflow.class, c.loopId()).state().live().phase == Phase.MAKE);
    });
    client.newUntypedWorkflowStub(id).cancel();
    assertThatThrownBy(() -> client.newUntypedWorkflowStub(id).getResult(LoopOutcome.class))
        .isInstanceOf(WorkflowFailedException.class).hasCauseInstanceOf(CanceledFailure.class);
    io.temporal.testing.WorkflowReplayer.replayWorkflowExecution(client.fetchHistory(id), LoopWorkflowImpl.class);
  }

  @Test
  void whilePausedNoChildStartsAndTheRunningOneStillLands(WorkflowClient client, WorkflowOptions options) throws Exception {
    Path repo = TestRepos.create(DATA.resolve("origins/pause"), Map.of("a.txt", "todo\n", "b.txt", "todo\n"));
    String id = "loop-fleet-pause";
    LoopWorkflow loop = start(client, options, id,
        new LoopInput(spec(repo, discover("a", "b"), maker("case $t in a) sleep 3;; esac"), "true", 1)));
    await().atMost(Duration.ofSeconds(60)).until(() -> loop.state().carried().fleet != null
        && loop.state().carried().fleet.children.size() == 1);
    loop.pause();
    // a's child goes on and lands; b's child is held back while the parent is paused.
    await().atMost(Duration.ofSeconds(60)).until(() -> loop.state().carried().checkpoints.size() == 1);
    await().atMost(Duration.ofSeconds(10)).until(() -> loop.state().status() == LoopStatus.PAUSED);
    Thread.sleep(1500);
    LoopState paused = loop.state();
    assertThat(paused.status()).isEqualTo(LoopStatus.PAUSED);
    assertThat(paused.carried().fleet.children).hasSize(1);
    assertThat(paused.carried().tasks).filteredOn(t -> t.id().equals("b")).extracting(BacklogTask::status)
        .containsExactly(BacklogTask.Status.LEFT);

    loop.resume();
    LoopOutcome outcome = client.newUntypedWorkflowStub(id).getResult(LoopOutcome.class);
    assertThat(outcome.status()).as(outcome.stopReason()).isEqualTo(LoopStatus.SUCCEEDED);
    assertThat(outcome.checkpoints()).isEqualTo(2);
    io.temporal.testing.WorkflowReplayer.replayWorkflowExecution(client.fetchHistory(id), LoopWorkflowImpl.class);
  }

  @Test
  void atTheContinueAsNewThresholdTheParentWaitsForItsChildrenAndCarriesTheFleet(WorkflowClient client, WorkflowOptions options)
      throws Exception {
    Path repo = TestRepos.create(DATA.resolve("origins/renew"), Map.of("a.txt", "todo\n", "b.txt", "todo\n", "c.txt", "todo\n"));
    String id = "loop-fleet-renew";
    // Two children per run: a and b start in the first run (b slower), c in the second.
    LoopWorkflow loop = start(client, options, id,
        new LoopInput(spec(repo, discover("a", "b", "c"), maker("case $t in b) sleep 3;; esac"), "true", 2), null, 2));
    LoopOutcome outcome = client.newUntypedWorkflowStub(id).getResult(LoopOutcome.class);

    assertThat(outcome.status()).as(outcome.stopReason()).isEqualTo(LoopStatus.SUCCEEDED);
    assertThat(outcome.checkpoints()).isEqualTo(3);
    // Both children of the first run ended on their own (none was cancelled by the run closing).
    for (String child : List.of(id + "-t1", id + "-t2")) {
      assertThat(client.newUntypedWorkflowStub(child).getResult(LoopOutcome.class).status()).isEqualTo(LoopStatus.SUCCEEDED);
    }
    LoopState state = loop.state();
    assertThat(state.carried().fleet.children).extracting(FleetState.Child::loopId).containsExactly(id + "-t1", id + "-t2", id + "-t3");
    assertThat(state.carried().fleet.children).extracting(FleetState.Child::status).containsOnly("LANDED");
    assertThat(state.carried().tasks).extracting(BacklogTask::status).containsOnly(BacklogTask.Status.DONE);
    // The first run ended in continue-as-new after its children's completions.
    var runs = client.fetchHistory(id).getEvents();
    assertThat(runs.get(0).getWorkflowExecutionStartedEventAttributes().getContinuedExecutionRunId()).isNotEmpty();
    String firstRun = runs.get(0).getWorkflowExecutionStartedEventAttributes().getContinuedExecutionRunId();
    var firstHistory = client.fetchHistory(id, firstRun);
    var events = firstHistory.getEvents();
    assertThat(events.get(events.size() - 1).getEventType()).isEqualTo(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW);
    assertThat(events).filteredOn(e -> e.getEventType() == EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED).hasSize(2);
    io.temporal.testing.WorkflowReplayer.replayWorkflowExecution(firstHistory, LoopWorkflowImpl.class);
    io.temporal.testing.WorkflowReplayer.replayWorkflowExecution(client.fetchHistory(id), LoopWorkflowImpl.class);
  }

  @Test
  void onCapAskAsksOnceForTheFleetAndItsChildrenNeverAsk(WorkflowClient client, WorkflowOptions options) throws Exception {
    Path repo = TestRepos.create(DATA.resolve("origins/ask"), Map.of("a.txt", "todo\n", "b.txt", "todo\n", "c.txt", "todo\n"));
    String id = "loop-fleet-ask";
    LoopSpec spec = withCaps(spec(repo, discover("a", "b", "c"), maker(""), "true", 1),
        new Caps(2, "P1D", null, 2, Caps.OnCap.ASK, "PT1H"));
    LoopWorkflow loop = start(client, options, id, new LoopInput(spec));
    // Two children (maxIterations counts children), then the fleet waits for more.
    await().atMost(Duration.ofSeconds(90)).until(() -> loop.state().status() == LoopStatus.AWAITING_BUDGET);
    LoopState waiting = loop.state();
    assertThat(waiting.carried().checkpoints).hasSize(2);
    assertThat(waiting.carried().fleet.children).hasSize(2);
    for (String child : List.of(id + "-t1", id + "-t2")) {
      LoopWorkflow c = client.newWorkflowStub(LoopWorkflow.class, child);
      assertThat(c.spec().caps().onCap()).isEqualTo(Caps.OnCap.STOP);
      assertThat(c.state().carried().timeline).extracting(TimelineRow::reason).noneMatch(r -> r != null && r.startsWith("budget"));
    }

    loop.extend(new BudgetExtension(3, null, null, "lead", "one more task"));
    LoopOutcome outcome = client.newUntypedWorkflowStub(id).getResult(LoopOutcome.class);
    assertThat(outcome.status()).as(outcome.stopReason()).isEqualTo(LoopStatus.SUCCEEDED);
    assertThat(outcome.checkpoints()).isEqualTo(3);
    assertThat(rows(loop.state())).filteredOn(r -> r != null && r.startsWith("budget extended by lead")).hasSize(1);
    // One budget-needed notification, from the parent; none from a child.
    assertThat(notified(client, id, "budget-needed")).isEqualTo(1);
    for (String child : List.of(id + "-t1", id + "-t2", id + "-t3")) {
      assertThat(notified(client, child, "budget-needed")).isZero();
    }
    io.temporal.testing.WorkflowReplayer.replayWorkflowExecution(client.fetchHistory(id), LoopWorkflowImpl.class);
  }
}
