package dev.durableloops.workflows;

/**
 * Input of {@code Prepare}.
 *
 * @param loopId the loop id; names the workspace directory and the refs
 * @param workspace the repository and base branch
 * @param commit the commit to reconcile the workspace to, or {@code null} for the base branch's tip
 */
public record PrepareInput(String loopId, WorkspaceSpec workspace, String commit) {}
