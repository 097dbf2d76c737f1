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
 * @param sandbox how this worker confines step commands, in words (e.g. {@code bubblewrap 0.8.0:
 *     own PID namespace, read-only root …} or {@code process group only: bwrap not found}); {@code null}
 *     from workers before it was reported
 * @param heartbeatTimeout how long this worker's command steps may go without a heartbeat before
 *     their loop counts the worker as lost (ISO-8601, e.g. {@code PT3S}; the worker's
 *     {@code durable-loops.worker.heartbeat-timeout}); {@code null} for the workflow's default of
 *     10 s, and from workers before it was reported
 */
public record PrepareResult(String workspacePath, String workBranch, String baseCommit, String commit, String taskQueue, String sandbox,
    String heartbeatTimeout) {

  /** A result with the workflow's default heartbeat timeout. */
  public PrepareResult(String workspacePath, String workBranch, String baseCommit, String commit, String taskQueue, String sandbox) {
    this(workspacePath, workBranch, baseCommit, commit, taskQueue, sandbox, null);
  }

  /** A result without a sandbox description. */
  public PrepareResult(String workspacePath, String workBranch, String baseCommit, String commit, String taskQueue) {
    this(workspacePath, workBranch, baseCommit, commit, taskQueue, null, null);
  }

  /** A result without a worker-specific task queue. */
  public PrepareResult(String workspacePath, String workBranch, String baseCommit, String commit) {
    this(workspacePath, workBranch, baseCommit, commit, null, null, null);
  }
}
