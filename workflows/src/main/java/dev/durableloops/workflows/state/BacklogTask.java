package dev.durableloops.workflows.state;

/**
 * One task of a backlog loop (a loop with a {@code discover} command), as the state and the page
 * show it.
 *
 * @param id the task's id, as discover gave it
 * @param title the task's title
 * @param status where it stands
 * @param attempts iterations spent on it so far
 * @param checkpoint the checkpoint that finished it, or {@code null}
 * @param reason why it was set aside, or {@code null}
 */
public record BacklogTask(String id, String title, Status status, int attempts, Integer checkpoint, String reason) {

  /** Where a task stands. */
  public enum Status {
    /** An accepted attempt finished it (a checkpoint). */
    DONE,
    /** The task of the current iteration. */
    IN_PROGRESS,
    /** It kept failing (the no-progress breaker, per task); the loop went on without it. */
    SET_ASIDE,
    /** Found by the last discover, not started. */
    LEFT
  }

  public BacklogTask with(Status next, int attemptCount, Integer cp, String why) {
    return new BacklogTask(id, title, next, attemptCount, cp, why);
  }
}
