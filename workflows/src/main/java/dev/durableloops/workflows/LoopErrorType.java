package dev.durableloops.workflows;

/**
 * The one enum of failure types a loop raises, used as {@code ApplicationFailure} types. Every type
 * here is permanent (non-retryable): retrying cannot fix it, so the loop fails fast with the reason.
 */
public enum LoopErrorType {
  /** The spec cannot be run as written (bad duration, bad pattern, duplicate check names). */
  BAD_SPEC,
  /** The repository or branch cannot be cloned or found. */
  REPOSITORY_UNAVAILABLE,
  /** A step command could not be started at all (not a non-zero exit: that is evidence). */
  COMMAND_START_FAILED,
  /** The workspace is in a state the loop cannot reconcile (a commit it names is missing). */
  WORKSPACE_BROKEN
}
