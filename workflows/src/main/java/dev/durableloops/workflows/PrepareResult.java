package dev.durableloops.workflows;

/**
 * Result of {@code Prepare}.
 *
 * @param workspacePath absolute path of the loop's clone on the worker
 * @param workBranch the loop's work branch, {@code loops/<id>}
 * @param baseCommit the base branch's tip when the loop started
 * @param commit the commit the workspace is at now
 */
public record PrepareResult(String workspacePath, String workBranch, String baseCommit, String commit) {}
