package dev.durableloops.activities;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import io.temporal.activity.ActivityOptions;
import io.temporal.api.enums.v1.TimeoutType;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.TimeoutFailure;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A step with a heartbeat timeout that spends longer than it between heartbeats of its own (waiting
 * for a lock, for the sandbox runtime's wrap, a commit on a busy worker) is not timed out while its
 * worker is alive ({@link StepPulse}); the same body outside the activity boundary is. Temporal's
 * test server in real time (heartbeat timeouts are the server's timers).
 */
class StepPulseTest {

  /** A step body: silent for {@code millis}, then done. */
  @ActivityInterface
  public interface Silent {
    @ActivityMethod(name = "Silent")
    String silent(long millis, boolean throughBoundary);
  }

  public static final class SilentImpl implements Silent {
    private final ActivityBoundary boundary = new ActivityBoundary(new Redaction(Map.of()), StepObserver.NONE);

    @Override
    public String silent(long millis, boolean throughBoundary) {
      java.util.function.Supplier<String> body = () -> {
        try {
          Thread.sleep(millis);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return "done";
      };
      return throughBoundary ? boundary.run("Check", body) : body.get();
    }
  }

  @WorkflowInterface
  public interface OneStep {
    @WorkflowMethod
    String run(long millis, boolean throughBoundary);
  }

  public static final class OneStepImpl implements OneStep {
    @Override
    public String run(long millis, boolean throughBoundary) {
      // Heartbeat timeout 4 s, no retry: the first timeout fails the workflow.
      Silent step = Workflow.newActivityStub(Silent.class, ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofSeconds(60)).setHeartbeatTimeout(Duration.ofSeconds(4))
          .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build()).build());
      return step.silent(millis, throughBoundary);
    }
  }

  private TestWorkflowEnvironment env;
  private WorkflowClient client;

  @BeforeEach
  void start() {
    env = TestWorkflowEnvironment.newInstance(TestEnvironmentOptions.newBuilder().setUseTimeskipping(false).build());
    Worker worker = env.newWorker("pulse");
    worker.registerWorkflowImplementationTypes(OneStepImpl.class);
    worker.registerActivitiesImplementations(new SilentImpl());
    env.start();
    client = env.getWorkflowClient();
  }

  @AfterEach
  void stop() {
    env.close();
  }

  private OneStep stub() {
    return client.newWorkflowStub(OneStep.class, WorkflowOptions.newBuilder().setTaskQueue("pulse").build());
  }

  @Test
  void aStepSilentForTwiceItsHeartbeatTimeoutCompletesThroughTheBoundary() {
    assertThat(stub().run(9_000, true)).isEqualTo("done");
  }

  @Test
  void theSameBodyOutsideTheBoundaryTimesOut() {
    assertThatThrownBy(() -> stub().run(9_000, false))
        .isInstanceOf(WorkflowFailedException.class)
        .cause().isInstanceOf(ActivityFailure.class)
        .cause().isInstanceOfSatisfying(TimeoutFailure.class,
            t -> assertThat(t.getTimeoutType()).isEqualTo(TimeoutType.TIMEOUT_TYPE_HEARTBEAT));
  }
}
