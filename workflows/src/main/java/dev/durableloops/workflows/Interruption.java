package dev.durableloops.workflows;

import dev.durableloops.workflows.state.Phase;

import io.temporal.api.enums.v1.TimeoutType;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.TimeoutFailure;
import io.temporal.workflow.CancellationScope;

/**
 * Why an iteration stopped before its end, named once: the loop reads this value instead of the
 * flags the deadline timer, the rollback Update and Temporal's cancellation leave behind.
 */
sealed interface Interruption {

  /**
   * The worker holding the workspace is gone: a workspace step stopped heartbeating, nobody
   * picked it up from that worker's task queue within {@link Steps#HOST_WAIT}, or the worker kept
   * restarting during it ({@link LoopErrorType#WORKER_RESTARTED} on the last attempt). The loop prepares
   * the workspace again elsewhere and goes on.
   */
  record WorkerLost(ActivityFailure failure) implements Interruption {}

  /** The {@code maxDuration} deadline cut the step of {@code phase}; the loop ends {@code CAPPED}. */
  record DeadlineCut(Phase phase) implements Interruption {}

  /** A rollback Update cancelled the iteration; the loop records it and applies the rollback next. */
  record RollbackRequested() implements Interruption {}

  /**
   * Nothing the loop handles: the loop itself was cancelled, or a step failed for good. The loop
   * ends with {@code failure} (CANCELLED or FAILED).
   */
  record Unhandled(RuntimeException failure) implements Interruption {}

  /**
   * Names what stopped the iteration that threw {@code failure} (a {@code CanceledFailure} or an
   * {@code ActivityFailure}).
   *
   * @param worker the task queue of the worker holding the workspace, or {@code null} (any worker)
   * @param cut the phase the deadline cut, or {@code null}
   * @param rollbackPending whether a rollback waits to be applied
   */
  static Interruption of(RuntimeException failure, String worker, Phase cut, boolean rollbackPending) {
    boolean loopCancelled = CancellationScope.current().isCancelRequested();
    if (loopCancelled) {
      return new Unhandled(failure);
    }
    if (failure instanceof ActivityFailure activity && worker != null && lostWorker(activity)) {
      return new WorkerLost(activity);
    }
    if (cut != null && !rollbackPending) {
      return new DeadlineCut(cut);
    }
    return rollbackPending ? new RollbackRequested() : new Unhandled(failure);
  }

  private static boolean lostWorker(ActivityFailure failure) {
    if (failure.getCause() instanceof ApplicationFailure handedBack) {
      // A restarted worker handed the step back (HeldSteps) as often as the retry policy allows.
      return LoopErrorType.WORKER_RESTARTED.name().equals(handedBack.getType());
    }
    return failure.getCause() instanceof TimeoutFailure timeout
        && (timeout.getTimeoutType() == TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START
            || timeout.getTimeoutType() == TimeoutType.TIMEOUT_TYPE_HEARTBEAT);
  }
}
