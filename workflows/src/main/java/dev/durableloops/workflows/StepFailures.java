package dev.durableloops.workflows;

import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.failure.TimeoutFailure;

/** How a failed step is told in a stop reason or a log line. */
final class StepFailures {

  private StepFailures() {}

  /** The step's activity type and why it failed, e.g. {@code Make failed (WORKSPACE_LOST): …}. */
  static String describe(ActivityFailure failure) {
    String step = failure.getActivityType();
    Throwable cause = failure.getCause();
    if (cause instanceof ApplicationFailure app) {
      return step + " failed (" + app.getType() + "): " + app.getOriginalMessage();
    }
    if (cause instanceof TimeoutFailure timeout) {
      return step + " timed out (" + timeout.getTimeoutType() + ") after its retries";
    }
    if (cause instanceof TemporalFailure tf) {
      return step + " failed: " + tf.getOriginalMessage();
    }
    return step + " failed: " + failure.getMessage();
  }
}
