package dev.durableloops.bench;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Duration;

/**
 * The floor: a bare Temporal workflow that runs six no-op activities per iteration, with the same
 * activity timeouts and retry policy as the loop workflow, on the same server and worker.
 */
public final class Bare {

  private Bare() {}

  /** Input of a no-op step. */
  public record Step(int iteration, String name) {}

  /** Six no-op steps. */
  @ActivityInterface
  public interface NoopActivities {
    @ActivityMethod(name = "Noop")
    Step noop(Step step);
  }

  public static final class NoopActivitiesImpl implements NoopActivities {
    @Override
    public Step noop(Step step) {
      return step;
    }
  }

  /** N iterations of six no-op activities. */
  @WorkflowInterface
  public interface BareWorkflow {
    @WorkflowMethod(name = "BareWorkflow")
    int run(int iterations);
  }

  public static final class BareWorkflowImpl implements BareWorkflow {
    private static final String[] STEPS = {"discover", "plan", "make", "check", "gate", "reflect"};

    @Override
    public int run(int iterations) {
      NoopActivities noop = Workflow.newActivityStub(NoopActivities.class, ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofMinutes(12))
          .setHeartbeatTimeout(Duration.ofSeconds(10))
          .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(6).build())
          .build());
      for (int i = 1; i <= iterations; i++) {
        for (String step : STEPS) {
          noop.noop(new Step(i, step));
        }
      }
      return iterations;
    }
  }
}
