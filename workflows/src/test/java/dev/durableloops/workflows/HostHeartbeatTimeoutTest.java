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
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The heartbeat timeout a worker asks for in its {@code Prepare} ({@code durable-loops.worker.heartbeat-timeout})
 * is the one its command steps are scheduled with; a value outside 3 s…10 min, or none, leaves the 10 s default.
 */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class HostHeartbeatTimeoutTest {

  static final String QUEUE = "beats";

  private TestWorkflowEnvironment env;

  @AfterEach
  void close() {
    if (env != null) {
      env.close();
    }
  }

  @ParameterizedTest
  @CsvSource(nullValues = "none", value = {"PT3S, 3", "PT45S, 45", "none, 10", "PT1S, 10", "PT0S, 10", "PT11M, 10", "soon, 10"})
  void commandStepsOnTheHostHeartbeatWithinWhatItAskedFor(String asked, long seconds) {
    ScriptedActivities host = new ScriptedActivities(n -> true, n -> true, false);
    host.hostQueue = QUEUE + "@host";
    host.heartbeatTimeout = asked;
    env = LoopTestEnvironment.newInstance();
    var worker = env.newWorker(QUEUE);
    worker.registerWorkflowImplementationTypes(LoopWorkflowImpl.class);
    worker.registerActivitiesImplementations(host);
    env.newWorker(QUEUE + "@host").registerActivitiesImplementations(host);
    env.start();
    WorkflowClient client = env.getWorkflowClient();
    LoopSpec spec = new LoopSpec("t", "Make it pass", new WorkspaceSpec("/nowhere", "main"), null, null, new StepSpec("maker", "PT1M"),
        List.of(new CheckSpec("tests", "check", null, "PT1M", true, null)), null, null,
        new GateSpec(Approval.NEVER, "PT1H", ApprovalTimeoutAction.REJECT), null);
    LoopWorkflow loop = client.newWorkflowStub(LoopWorkflow.class, WorkflowOptions.newBuilder().setTaskQueue(QUEUE).setWorkflowId("loop-beats").build());
    WorkflowClient.start(loop::run, new LoopInput(spec));

    assertThat(client.newUntypedWorkflowStub("loop-beats").getResult(LoopOutcome.class).status()).isEqualTo(LoopStatus.SUCCEEDED);
    Map<String, Long> heartbeats = client.fetchHistory("loop-beats").getEvents().stream()
        .filter(HistoryEvent::hasActivityTaskScheduledEventAttributes)
        .map(HistoryEvent::getActivityTaskScheduledEventAttributes)
        .filter(a -> a.getTaskQueue().getName().equals(QUEUE + "@host") && a.getHeartbeatTimeout().getSeconds() > 0)
        .collect(Collectors.toMap(a -> a.getActivityType().getName(), a -> a.getHeartbeatTimeout().getSeconds(), (a, b) -> a));
    assertThat(heartbeats).as("command steps on the host's queue, by type, heartbeat timeout s").containsKeys("Make", "Check")
        .allSatisfy((type, timeout) -> assertThat(timeout).as(type).isEqualTo(seconds));
  }
}
