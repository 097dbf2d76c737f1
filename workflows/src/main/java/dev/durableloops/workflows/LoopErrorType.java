package dev.durableloops.workflows;

/**
 * The one enum of failure types a loop raises, used as {@code ApplicationFailure} types. Most are
 * permanent (non-retryable): retrying cannot fix them, so the loop fails fast with the reason. The
 * retryable ones name faults that pass (a store that is down for a while, a full disk), so the step
 * is retried with backoff before the loop gives up.
 */
public enum LoopErrorType {
  /**
   * The loop itself failed because a step failed permanently: the workflow's own failure type, its
   * message the loop's {@code stopReason}.
   */
  LOOP_FAILED(false),
  /** The spec cannot be run as written (bad duration, bad pattern, duplicate check names). */
  BAD_SPEC(false),
  /**
   * The spec asks for what this worker's policy does not allow the loop's starter: a repository
   * outside the allowed roots or hosts, a platform variable or an unlisted name in {@code passEnv},
   * a secret not granted to the starter's role or the repository.
   */
  NOT_ALLOWED(false),
  /** The repository or branch cannot be cloned or found. */
  REPOSITORY_UNAVAILABLE(false),
  /** A step command could not be started at all (not a non-zero exit: that is evidence). */
  COMMAND_START_FAILED(false),
  /** The workspace is in a state the loop cannot reconcile: a commit it names is nowhere, not even in the git store. */
  WORKSPACE_BROKEN(false),
  /** The git store cannot be reached or refused a push or fetch; retried. */
  STORE_UNAVAILABLE(true),
  /** Reading or writing the workspace failed (a full disk, a stale lock); retried. */
  WORKSPACE_IO(true),
  /**
   * The worker holding the workspace runs as many makers as its limits allow
   * ({@code durable-loops.worker.max-makers}, {@code …-per-repository}) and none ended while the
   * step waited; retried.
   */
  WORKER_BUSY(true),
  /**
   * The worker's sandbox runtime (srt) did not wrap the step's command in time or ended while it
   * waited (a worker too busy to serve its steps' sandboxes); the runtime is started again and the
   * step retried.
   */
  SANDBOX_UNAVAILABLE(true),
  /**
   * The activity belongs to a run or attempt that no longer owns the loop's workspace (a Temporal
   * Reset, a newer attempt): it wrote nothing. Only an abandoned run or attempt sees it.
   */
  SUPERSEDED(false),
  /**
   * A step left something in the workspace the worker will not follow or run (a symbolic or hard
   * link where the worker reads, a redirected {@code .git}, a command a git setting names): the
   * reason names the path. Retrying cannot help; the workspace is the attacker's work.
   */
  WORKSPACE_UNSAFE(false),
  /**
   * The worker running the step died and has come back (same worker id, same data directory): it
   * hands the step back at once instead of leaving it to its heartbeat timeout; retried at once.
   */
  WORKER_RESTARTED(true);

  private final boolean retryable;

  LoopErrorType(boolean retryable) {
    this.retryable = retryable;
  }

  /** Whether a step that failed with this type is retried. */
  public boolean isRetryable() {
    return retryable;
  }
}
