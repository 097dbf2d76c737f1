package dev.durableloops.bench;

import dev.durableloops.activities.SandboxCost;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Duration;
import java.util.function.UnaryOperator;

/**
 * The floors: a bare Temporal workflow that runs six no-op activities per iteration, and one that
 * runs five activities each running {@code true} as a step command runs in the worker's sandbox
 * ({@link SandboxCost}: supervisor, cgroup, sandbox, log file; no fence, no git), with the same
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

  /** A step command ({@code true}) as the worker's sandbox runs it, and nothing else. */
  @ActivityInterface
  public interface SandboxedActivities {
    @ActivityMethod(name = "SandboxedTrue")
    Step sandboxed(Step step);
  }

  public static final class SandboxedActivitiesImpl implements SandboxedActivities {
    private final SandboxCost cost;

    public SandboxedActivitiesImpl(SandboxCost cost) {
      this.cost = cost;
    }

    @Override
    public Step sandboxed(Step step) {
      cost.step("true");
      return step;
    }
  }

  /** N iterations of five sandboxed {@code true} steps: the bench loop's five command steps without git or fence. */
  @WorkflowInterface
  public interface SandboxedWorkflow {
    @WorkflowMethod(name = "SandboxedBareWorkflow")
    int run(int iterations);
  }

  public static final class SandboxedWorkflowImpl implements SandboxedWorkflow {
    private static final String[] STEPS = {"discover", "plan", "make", "check", "reflect"};

    @Override
    public int run(int iterations) {
      SandboxedActivities steps = Workflow.newActivityStub(SandboxedActivities.class, OPTIONS);
      return iterate(iterations, STEPS, steps::sandboxed);
    }
  }

  /** As the loop workflow's command steps. */
  private static final ActivityOptions OPTIONS = ActivityOptions.newBuilder()
      .setStartToCloseTimeout(Duration.ofMinutes(12))
      .setHeartbeatTimeout(Duration.ofSeconds(10))
      .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(6).build())
      .build();

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
      NoopActivities noop = Workflow.newActivityStub(NoopActivities.class, OPTIONS);
      return iterate(iterations, STEPS, noop::noop);
    }
  }

  /** Calls {@code activity} for each of {@code steps}, in order, {@code iterations} times; returns {@code iterations}. */
  private static int iterate(int iterations, String[] steps, UnaryOperator<Step> activity) {
    for (int i = 1; i <= iterations; i++) {
      for (String step : steps) {
        activity.apply(new Step(i, step));
      }
    }
    return iterations;
  }
}
