package dev.durableloops.workflows;

import static dev.durableloops.workflows.Texts.truncate;

import dev.durableloops.workflows.state.LoopStatus;
import dev.durableloops.workflows.steps.DeliverResult;

import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.workflow.Workflow;
import org.slf4j.Logger;

/**
 * How a loop ends, whichever way: a {@link Stop} (delivered first when it succeeded), a step that
 * failed for good ({@code FAILED}), or Temporal's cancellation ({@code CANCELLED}). Each records the
 * end in the state, publishes it and says it ({@link Notifications#ended}).
 */
final class Endings {

  private static final Logger log = Workflow.getLogger(Endings.class);

  private final LoopProgress state;
  private final Approvals approvals;
  private final Deliveries deliveries;
  private final Notifications notifications;
  private final Runnable publish;

  Endings(LoopProgress state, Approvals approvals, Deliveries deliveries, Notifications notifications, Runnable publish) {
    this.state = state;
    this.approvals = approvals;
    this.deliveries = deliveries;
    this.notifications = notifications;
    this.publish = publish;
  }

  /** Ends the loop with {@code stop}; a success is delivered first, and a failed delivery is named in the reason. */
  LoopOutcome stop(Stop stop) {
    if (stop.status() == LoopStatus.SUCCEEDED) {
      DeliverResult delivered = deliveries.onSuccess();
      if (delivered != null && !delivered.succeeded()) {
        stop = new Stop(LoopStatus.SUCCEEDED, stop.reason() + "; delivery failed: " + truncate(delivered.error(), 500));
      }
    }
    state.end(stop.status(), stop.reason(), Workflow.currentTimeMillis());
    log.info("loop {} ended {}: {}", state.loopId(), stop.status(), stop.reason());
    publish.run();
    notifications.ended(stop.status(), stop.reason());
    return new LoopOutcome(stop.status(), stop.reason(), state.iteration(), state.checkpoints().all().size(), state.headCommit(), state.costUsd());
  }

  /** Ends the loop {@code FAILED} by {@code failure}; returns the workflow's failure to throw. */
  ApplicationFailure failed(ActivityFailure failure) {
    String reason = StepFailures.describe(failure);
    state.end(LoopStatus.FAILED, reason, Workflow.currentTimeMillis());
    publish.run();
    notifications.ended(LoopStatus.FAILED, reason);
    return ApplicationFailure.newNonRetryableFailure(reason, LoopErrorType.LOOP_FAILED.name());
  }

  /** Ends the loop {@code CANCELLED}; returns {@code e} to throw on. */
  CanceledFailure cancelled(CanceledFailure e) {
    state.end(LoopStatus.CANCELLED, "cancelled", Workflow.currentTimeMillis());
    approvals.abandon();
    publish.run();
    // The workflow is being cancelled: the last word goes out in a scope of its own.
    Workflow.newDetachedCancellationScope(() -> notifications.ended(LoopStatus.CANCELLED, "cancelled")).run();
    return e;
  }
}
