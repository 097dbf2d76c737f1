package dev.durableloops.activities;

import static org.assertj.core.api.Assertions.assertThat;

import dev.durableloops.workflows.spec.Approval;
import dev.durableloops.workflows.spec.ApprovalTimeoutAction;
import dev.durableloops.workflows.spec.Caps;
import dev.durableloops.workflows.spec.CheckSpec;
import dev.durableloops.workflows.spec.GateSpec;
import dev.durableloops.workflows.LoopInput;
import dev.durableloops.workflows.LoopOutcome;
import dev.durableloops.workflows.spec.LoopSpec;
import dev.durableloops.workflows.state.LoopState;
import dev.durableloops.workflows.state.LoopStatus;
import dev.durableloops.workflows.LoopWorkflow;
import dev.durableloops.workflows.spec.StepSpec;
import dev.durableloops.workflows.spec.WorkspaceSpec;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.TestWorkflowExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A loop of 1,000 iterations over more than 3 simulated days: it must continue-as-new so that no
 * run's history grows without bound, carry its state across runs, and keep that state bounded
 * (reflections folded into a summary). {@code -Ddurable-loops.long-run.iterations=2000} runs the
 * long version (2,000 iterations, 250 per run, about 75 s on 2 cores); the test run's takes half.
 */
@Tag("long") // deploy/long-tests.sh and CI run it; the default test run does not
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class LongRunTest {

  static final FastActivities ACTIVITIES = new FastActivities();

  /** Iterations of the loop; each run continues as new after an eighth of them, so at least 8 runs. */
  static final int ITERATIONS = Integer.getInteger("durable-loops.long-run.iterations", 2000);

  @RegisterExtension
  static final TestWorkflowExtension temporal = TestLoops.server(ACTIVITIES);

  @Test
  void thousandsOfIterationsOverThreeDaysStayBounded(TestWorkflowEnvironment env, WorkflowClient client, WorkflowOptions options) {
    int perRun = ITERATIONS / 8;
    // Every attempt waits for a human who never comes: 260 s a time 1,000 times (130 s 2,000 times) is 72.2 hours.
    long waitSeconds = 260_000 / ITERATIONS;
    LoopSpec spec = new LoopSpec("long", "Run for days", new WorkspaceSpec("/nowhere", null), null, null,
        new StepSpec("agent", "PT1M"), List.of(new CheckSpec("tests", "test", null, "PT1M", true, null)), null, null,
        new GateSpec(Approval.EVERY_ITERATION, "PT" + waitSeconds + "S", ApprovalTimeoutAction.REJECT), new Caps(ITERATIONS, "P4D", null, 3));
    LoopWorkflow loop = client.newWorkflowStub(LoopWorkflow.class, WorkflowOptions.newBuilder(options).setWorkflowId("loop-long").build());
    long start = env.currentTimeMillis();
    long wall = System.nanoTime();
    LoopOutcome outcome = loop.run(new LoopInput(spec, null, perRun));

    assertThat(outcome.status()).isEqualTo(LoopStatus.CAPPED);
    assertThat(outcome.stopReason()).isEqualTo("reached maxIterations=" + ITERATIONS);
    assertThat(outcome.iterations()).isEqualTo(ITERATIONS);
    assertThat(env.currentTimeMillis() - start).isGreaterThan(Duration.ofDays(3).toMillis());
    assertThat(outcome.costUsd()).isCloseTo(ITERATIONS / 1000.0, org.assertj.core.data.Offset.offset(1e-6));

    assertThat(ACTIVITIES.runIds).hasSizeGreaterThanOrEqualTo(8);
    long maxEvents = 0;
    for (String runId : ACTIVITIES.runIds) {
      long events = client.getWorkflowServiceStubs().blockingStub().getWorkflowExecutionHistory(
          GetWorkflowExecutionHistoryRequest.newBuilder().setNamespace(client.getOptions().getNamespace())
              .setExecution(WorkflowExecution.newBuilder().setWorkflowId("loop-long").setRunId(runId)).build())
          .getHistory().getEventsCount();
      maxEvents = Math.max(maxEvents, events);
    }
    assertThat(maxEvents).isLessThan(10_000);

    LoopState state = client.newWorkflowStub(LoopWorkflow.class, "loop-long").state();
    assertThat(state.carried().reflections.size()).isLessThanOrEqualTo(21 + perRun);
    assertThat(state.carried().reflections.get(0).signature()).isEqualTo("summary");
    assertThat(state.carried().reflections.get(0).text()).startsWith("Summary of ");
    assertThat(state.carried().timeline).hasSize(200);
    System.out.printf("long run: " + ITERATIONS + " iterations, %d runs, at most %d events per run, %.1f s wall%n",
        ACTIVITIES.runIds.size(), maxEvents, (System.nanoTime() - wall) / 1e9);
  }
}
