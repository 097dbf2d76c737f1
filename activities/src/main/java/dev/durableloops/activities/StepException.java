package dev.durableloops.activities;

import dev.durableloops.workflows.LoopErrorType;

/**
 * What the code below the activity boundary (git, paths, the store, commands) throws: a plain
 * exception with a {@link Kind}. Only the activity boundary ({@link ActivityBoundary}) turns it
 * into a Temporal failure typed by {@code LoopErrorType} ({@link Failures}), so the code below it
 * knows nothing of Temporal.
 */
public final class StepException extends RuntimeException {

  /** What went wrong, which decides whether retrying can help. */
  public enum Kind {
    /** The repository or branch cannot be cloned or found; permanent. */
    REPOSITORY_UNAVAILABLE,
    /** A commit the workflow names is neither in the workspace nor in the git store; permanent. */
    COMMIT_MISSING,
    /** The git store cannot be reached or refused a push or fetch; retryable. */
    STORE_UNAVAILABLE,
    /** A loop id that could escape the data directory; permanent. */
    BAD_ID,
    /** Reading or writing the workspace failed (disk full, a stale lock); retryable. */
    IO,
    /** A step command could not be started at all; permanent. */
    COMMAND_START_FAILED,
    /** The spec asks for what the worker's policy does not allow its starter; permanent. */
    NOT_ALLOWED,
    /** The worker's maker limits left no slot for a maker within the step's time ({@link MakerSlots}); retryable. */
    WORKER_BUSY,
    /** The worker's sandbox runtime did not wrap the step's command (too busy, or it ended); retryable. */
    SANDBOX_UNAVAILABLE,
    /** The spec cannot be run as written (a secret it names is not configured, a bad pattern); permanent. */
    BAD_SPEC,
    /** A newer run or attempt owns the loop's workspace now ({@link Fence}); nothing was written; permanent. */
    SUPERSEDED,
    /**
     * The workspace holds something the worker will not follow or run: a symbolic or hard link
     * where the worker reads a file, a {@code .git} that is a link or a {@code gitdir:} file, a link
     * or an alternates file inside {@code .git}, a command a git setting names; permanent.
     */
    UNSAFE_WORKSPACE
  }

  private final Kind kind;

  /**
   * @param kind what went wrong
   * @param message a sentence naming the repository, commit or path concerned
   * @param cause the underlying exception, or {@code null}
   */
  public StepException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  /** A failure without an underlying cause. */
  public StepException(Kind kind, String message) {
    this(kind, message, null);
  }

  /** What went wrong. */
  public Kind kind() {
    return kind;
  }
}
