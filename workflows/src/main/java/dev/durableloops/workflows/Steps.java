package dev.durableloops.workflows;

import dev.durableloops.workflows.spec.Durations;
import dev.durableloops.workflows.spec.StepSpec;
import dev.durableloops.workflows.steps.OutboundActivities;
import dev.durableloops.workflows.steps.WorkspaceActivities;

import io.temporal.activity.ActivityCancellationType;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.Arrays;
import java.util.stream.Stream;

/**
 * Activity stubs for the loop's steps, one per call, so each carries its own summary (shown in the
 * Temporal UI's history) and timeouts: {@link WorkspaceActivities} for the workspace steps,
 * {@link OutboundActivities} for notifications and delivery.
 *
 * <p>Retries: 1 s initial interval, doubling, at most 30 s apart, 6 attempts; a
 * {@link LoopErrorType} is retried only when it says so ({@link LoopErrorType#isRetryable()}). Command-running steps heartbeat every
 * 2 s and time out after {@link #HEARTBEAT_TIMEOUT} without one, so a dead worker is noticed in seconds.
 *
 * <p>A lost worker, from its death to the step running elsewhere: a step on the worker's own task
 * queue (a host step) that stops heartbeating is not retried ({@link #HEARTBEAT_LAPSE}): a retry
 * could only go to that same queue, whose worker is gone, and wait there {@link #HOST_WAIT} more.
 * The workflow sees the heartbeat timeout at once, takes it for a lost worker ({@code Interruption})
 * and prepares the workspace on any live worker. A worker restarted on the same data directory within
 * the heartbeat timeout hands its steps back before that ({@code HeldSteps}); one that comes back later
 * gets a moved loop like any other worker. Changing these options changes no command: the Java SDK's
 * replay compares an activity command's id and type only, not its timeouts or retry policy.
 */
final class Steps {

  /**
   * Heartbeat timeout of command-running activities unless the worker holding the workspace asks
   * for its own ({@link Host}, {@code durable-loops.worker.heartbeat-timeout}): 10 s. They heartbeat from start to end: a
   * command's output every 2 s, else the worker's keepalive after 3 s of silence ({@code StepPulse}). 3 s with heartbeats every
   * second moved a lost worker's loop in 4.2 s instead of ~11 s, but on this project's loaded 2-core
   * machine (load average 20 and more) live workers' loops were taken for lost by the hundred, at 100
   * loops as at 1,000: Temporal and the worker's CPU answered heartbeats seconds late
   * (BENCHMARKS.md, "Moving a lost worker's loops"). So a shorter one is the worker's choice.
   */
  static final Duration HEARTBEAT_TIMEOUT = Duration.ofSeconds(10);

  /**
   * The failure type, in Temporal's retry policy, of a heartbeat timeout ({@code TemporalTimeout:} and
   * the timeout type), listed as not retryable for host steps.
   */
  static final String HEARTBEAT_LAPSE = "TemporalTimeout:Heartbeat";

  /** Time added to a command's own timeout for the activity around it (clone, restore, commit). */
  static final Duration STEP_MARGIN = Duration.ofMinutes(2);

  /**
   * How long a workspace step may wait for the worker holding the workspace to pick it up before
   * that worker counts as lost (Temporal's schedule-to-start timeout, which is not retried): 5 s,
   * for a worker that died between two steps.
   */
  static final Duration HOST_WAIT = Duration.ofSeconds(5);

  /** How long cloning or reconciling a workspace may take. */
  static final Duration PREPARE_TIMEOUT = Duration.ofMinutes(30);

  private static final RetryOptions RETRY =
      RetryOptions.newBuilder()
          .setInitialInterval(Duration.ofSeconds(1))
          .setBackoffCoefficient(2.0)
          .setMaximumInterval(Duration.ofSeconds(30))
          .setMaximumAttempts(6)
          .setDoNotRetry(Arrays.stream(LoopErrorType.values()).filter(t -> !t.isRetryable()).map(Enum::name).toArray(String[]::new))
          .build();

  /** {@link #RETRY} for a step on a worker's own queue: a heartbeat timeout is not retried but moves the loop. */
  private static final RetryOptions HOST_RETRY =
      RetryOptions.newBuilder(RETRY)
          .setDoNotRetry(Stream.concat(Arrays.stream(RETRY.getDoNotRetry()), Stream.of(HEARTBEAT_LAPSE))
              .toArray(String[]::new))
          .build();

  private Steps() {}

  /**
   * A stub for one workspace step on the loop's own task queue (any worker).
   *
   * @param summary what the Temporal UI shows for the activity; cut to 200 characters
   * @param startToClose the activity's start-to-close timeout
   * @param heartbeats whether the step runs a step command and so heartbeats
   */
  static WorkspaceActivities step(String summary, Duration startToClose, boolean heartbeats) {
    return step(summary, startToClose, heartbeats, Host.ANY);
  }

  /**
   * A stub for one step that needs the workspace.
   *
   * @param host the worker holding the workspace, or {@link Host#ANY} for the loop's own queue (any
   *     worker). On a host's queue the step must start within {@link #HOST_WAIT}, heartbeats within
   *     the host's heartbeat timeout, and a heartbeat timeout is not retried, so a lost worker is noticed.
   */
  static WorkspaceActivities step(String summary, Duration startToClose, boolean heartbeats, Host host) {
    return Workflow.newActivityStub(WorkspaceActivities.class, stepOptions(summary, startToClose, heartbeats, host));
  }

  /**
   * The stub of {@code Deliver}: like a workspace step that runs a step command (it heartbeats), on
   * the task queue of the worker holding the workspace.
   *
   * @param host that worker, or {@link Host#ANY} for the loop's own queue
   */
  static OutboundActivities delivery(String summary, Duration startToClose, Host host) {
    return Workflow.newActivityStub(OutboundActivities.class, stepOptions(summary, startToClose, true, host));
  }

  private static ActivityOptions stepOptions(String summary, Duration startToClose, boolean heartbeats, Host host) {
    ActivityOptions.Builder options =
        ActivityOptions.newBuilder()
            .setStartToCloseTimeout(startToClose)
            .setRetryOptions(RETRY)
            .setSummary(Texts.truncate(summary, 200));
    if (host.queue() != null) {
      options.setTaskQueue(host.queue()).setScheduleToStartTimeout(HOST_WAIT).setRetryOptions(HOST_RETRY);
    }
    if (heartbeats) {
      options.setHeartbeatTimeout(host.heartbeatTimeoutOrDefault());
    }
    // A cancelled step (rollback, cancel) is waited for until its process group is dead, so the
    // next step never runs beside a dying maker.
    options.setCancellationType(ActivityCancellationType.WAIT_CANCELLATION_COMPLETED);
    return options.build();
  }

  /**
   * The stub of {@code Land} (a fan-out's merge queue): like a workspace step that runs the checks
   * (it heartbeats), on the task queue of the worker holding the parent's workspace.
   */
  static dev.durableloops.workflows.steps.LandingActivities landing(String summary, Duration startToClose, Host host) {
    return Workflow.newActivityStub(dev.durableloops.workflows.steps.LandingActivities.class,
        stepOptions(summary, startToClose, true, host));
  }

  /** How long a notification is retried before it is given up: an hour. */
  static final Duration NOTIFY_WITHIN = Duration.ofHours(1);

  /**
   * The stub of {@code Notify}: any worker, each attempt 30 s, retried with backoff (2 s doubling
   * to 2 min) for up to {@link #NOTIFY_WITHIN}, so a receiver down for a while still gets it.
   */
  static OutboundActivities notifier(String summary) {
    return Workflow.newActivityStub(OutboundActivities.class, ActivityOptions.newBuilder()
        .setStartToCloseTimeout(Duration.ofSeconds(30))
        .setScheduleToCloseTimeout(NOTIFY_WITHIN)
        .setRetryOptions(RetryOptions.newBuilder().setInitialInterval(Duration.ofSeconds(2)).setBackoffCoefficient(2.0)
            .setMaximumInterval(Duration.ofMinutes(2)).build())
        .setSummary(Texts.truncate(summary, 200))
        .build());
  }

  /** The activity timeout of an optional command step: its own timeout (or the default) plus the margin. */
  static Duration timeout(StepSpec step) {
    return (step == null ? Durations.parse(StepSpec.DEFAULT_TIMEOUT) : step.timeoutDuration()).plus(STEP_MARGIN);
  }

  /** The command of an optional step for a summary, or what happens without one. */
  static String commandOr(StepSpec step, String otherwise) {
    return step == null ? otherwise : step.command();
  }
}
