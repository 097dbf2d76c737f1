package dev.durableloops.activities;

import dev.durableloops.workflows.LoopErrorType;
import io.temporal.failure.ApplicationFailure;

/**
 * The activity boundary's one mapping from {@link StepException} kinds to {@link LoopErrorType}s:
 * permanent kinds become non-retryable failures, so the loop fails fast with the reason; passing
 * faults (an unreachable store, a full disk) become retryable ones, retried with backoff.
 */
final class Failures {

  private Failures() {}

  /** The loop error type a kind of failure stands for. */
  static LoopErrorType type(StepException.Kind kind) {
    return switch (kind) {
      case REPOSITORY_UNAVAILABLE -> LoopErrorType.REPOSITORY_UNAVAILABLE;
      case COMMIT_MISSING -> LoopErrorType.WORKSPACE_BROKEN;
      case STORE_UNAVAILABLE -> LoopErrorType.STORE_UNAVAILABLE;
      case BAD_ID, BAD_SPEC -> LoopErrorType.BAD_SPEC;
      case NOT_ALLOWED -> LoopErrorType.NOT_ALLOWED;
      case IO -> LoopErrorType.WORKSPACE_IO;
      case WORKER_BUSY -> LoopErrorType.WORKER_BUSY;
      case SANDBOX_UNAVAILABLE -> LoopErrorType.SANDBOX_UNAVAILABLE;
      case COMMAND_START_FAILED -> LoopErrorType.COMMAND_START_FAILED;
      case SUPERSEDED -> LoopErrorType.SUPERSEDED;
      case UNSAFE_WORKSPACE -> LoopErrorType.WORKSPACE_UNSAFE;
    };
  }

  /** The Temporal failure an activity raises for {@code e}. */
  static ApplicationFailure of(StepException e) {
    LoopErrorType type = type(e.kind());
    return type.isRetryable()
        ? ApplicationFailure.newFailureWithCause(e.getMessage(), type.name(), e.getCause())
        : ApplicationFailure.newNonRetryableFailureWithCause(e.getMessage(), type.name(), e.getCause());
  }
}
