package dev.durableloops.workflows.steps;

/**
 * Result of {@code Prepare}.
 *
 * @param workspacePath absolute path of the loop's clone on the worker
 * @param workBranch the loop's work branch, {@code loops/<id>}
 * @param baseCommit the base branch's tip when the loop started
 * @param commit the commit the workspace is at now
 * @param taskQueue the task queue of the worker that holds the workspace now (its own queue,
 *     {@code <task-queue>@<worker-id>}), where the loop's workspace steps go; {@code null} from a
 *     worker that has none
 */
public record PrepareResult(String workspacePath, String workBranch, String baseCommit, String commit, String taskQueue) {

  /** A result without a worker-specific task queue. */
  public PrepareResult(String workspacePath, String workBranch, String baseCommit, String commit) {
    this(workspacePath, workBranch, baseCommit, commit, null);
  }
}
