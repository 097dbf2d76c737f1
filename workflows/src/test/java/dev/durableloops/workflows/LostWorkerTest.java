package dev.durableloops.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import dev.durableloops.workflows.spec.Approval;
import dev.durableloops.workflows.spec.ApprovalTimeoutAction;
import dev.durableloops.workflows.spec.CheckSpec;
import dev.durableloops.workflows.spec.GateSpec;
import dev.durableloops.workflows.spec.LoopSpec;
import dev.durableloops.workflows.spec.StepSpec;
import dev.durableloops.workflows.spec.WorkspaceSpec;
import dev.durableloops.workflows.state.LoopStatus;
import dev.durableloops.workflows.state.TimelineRow;
import dev.durableloops.workflows.steps.MakeInput;
import dev.durableloops.workflows.steps.MakeResult;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A lost worker's loop moves: on the time-skipping test server, a loop whose workspace is on a
 * worker that stops answering (its task queue unpolled, or its step no longer heartbeating) is
 * prepared again on a live worker, records why, and ends as it would have.
 *
 * <p>The Java test server retries a heartbeat timeout whatever the retry policy says (here the
 * silent Make starts 6 times, time-skipped, before the loop moves); Temporal's server honours
 * {@code Steps.HEARTBEAT_LAPSE} and moves the loop after the first, which the dev-server test
 * {@code CrashRecoveryIT.workerKilledAndNotRestartedLosesItsLoopToTheOtherWorker} checks. Time does
 * not skip while an activity runs, so those 6 heartbeat timeouts take about a minute of wall time.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class LostWorkerTest {

  static final String QUEUE = "lost";

  private TestWorkflowEnvironment env;
  private final CountDownLatch release = new CountDownLatch(1);

  @AfterEach
  void close() {
    release.countDown();
    if (env != null) {
      env.close();
    }
  }

  private static LoopSpec spec() {
    return new LoopSpec("t", "Make it pass", new WorkspaceSpec("/nowhere", "main"), null, null, new StepSpec("maker", "PT1M"),
        List.of(new CheckSpec("tests", "check", null, "PT1M", true, null)), null, null,
        new GateSpec(Approval.NEVER, "PT1H", ApprovalTimeoutAction.REJECT), null);
  }

  private WorkflowClient start(ScriptedActivities live, String liveQueue, ScriptedActivities host, String hostQueue) {
    env = LoopTestEnvironment.newInstance();
    var worker = env.newWorker(QUEUE);
    worker.registerWorkflowImplementationTypes(LoopWorkflowImpl.class);
    worker.registerActivitiesImplementations(live);
    env.newWorker(liveQueue).registerActivitiesImplementations(live);
    if (host != null) {
      env.newWorker(hostQueue).registerActivitiesImplementations(host);
    }
    env.start();
    return env.getWorkflowClient();
  }

  private static LoopWorkflow run(WorkflowClient client, String id) {
    LoopWorkflow loop = client.newWorkflowStub(LoopWorkflow.class, WorkflowOptions.newBuilder().setTaskQueue(QUEUE).setWorkflowId(id).build());
    WorkflowClient.start(loop::run, new LoopInput(spec()));
    return loop;
  }

  @Test
  void aLoopWhoseWorkerDiedBetweenStepsMovesToALiveWorker() {
    ScriptedActivities live = new ScriptedActivities(n -> true, n -> true, false);
    // The first Prepare names a worker nobody polls for: its next step waits there HOST_WAIT, then the loop moves.
    live.hostQueues.add(QUEUE + "@dead");
    live.hostQueue = QUEUE + "@live";
    WorkflowClient client = start(live, QUEUE + "@live", null, null);

    LoopWorkflow loop = run(client, "loop-dead-host");
    LoopOutcome outcome = client.newUntypedWorkflowStub("loop-dead-host").getResult(LoopOutcome.class);

    assertThat(outcome.status()).isEqualTo(LoopStatus.SUCCEEDED);
    assertThat(live.prepared).as("prepared on the first worker, then again on a live one").hasSize(2);
    assertThat(loop.state().carried().timeline).extracting(TimelineRow::reason)
        .anyMatch(r -> r != null && r.startsWith("worker " + QUEUE + "@dead was lost during "));
  }

  @Test
  @Tag("long") // about a minute of wall time (above): deploy/long-tests.sh and CI run it; the default test run does not
  void aStepThatStopsHeartbeatingMovesItsLoopToALiveWorker() {
    ScriptedActivities live = new ScriptedActivities(n -> true, n -> true, false);
    live.hostQueues.add(QUEUE + "@silent");
    live.hostQueue = QUEUE + "@live";
    AtomicInteger silentMakes = new AtomicInteger();
    // A worker whose Make starts and then falls silent, as a worker does that dies during it: no heartbeat, no result.
    ScriptedActivities silent = new ScriptedActivities(n -> true, n -> true, false) {
      @Override
      public MakeResult make(MakeInput input) {
        silentMakes.incrementAndGet();
        try {
          release.await(1, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        throw new IllegalStateException("the silent worker's Make must not be waited for");
      }
    };
    WorkflowClient client = start(live, QUEUE + "@live", silent, QUEUE + "@silent");

    LoopWorkflow loop = run(client, "loop-silent-host");
    LoopOutcome outcome = client.newUntypedWorkflowStub("loop-silent-host").getResult(LoopOutcome.class);

    assertThat(outcome.status()).isEqualTo(LoopStatus.SUCCEEDED);
    assertThat(loop.state().carried().timeline).extracting(TimelineRow::reason)
        .anyMatch(r -> r != null && r.startsWith("worker " + QUEUE + "@silent was lost during Make"));
    assertThat(live.prepared).as("prepared on the silent worker, then again on a live one").hasSize(2);
    // At least once: the test server retries the lapsed heartbeat regardless of Steps.HOST_RETRY (see
    // above); that a Temporal server does not is CrashRecoveryIT's (one timed-out attempt, attempt 1).
    assertThat(silentMakes.get()).as("Make started on the silent worker").isGreaterThanOrEqualTo(1);
  }
}
