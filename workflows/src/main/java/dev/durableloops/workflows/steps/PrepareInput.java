package dev.durableloops.workflows.steps;

import dev.durableloops.workflows.spec.WorkspaceSpec;

/**
 * Input of {@code Prepare}.
 *
 * @param loopId the loop id; names the workspace directory and the refs
 * @param workspace the repository and base branch
 * @param commit the commit to reconcile the workspace to, or {@code null} for the base branch's tip
 * @param forkOf the loop a fork starts from, whose refs in the git store hold {@code commit}; or
 *     {@code null}
 */
public record PrepareInput(String loopId, WorkspaceSpec workspace, String commit, String forkOf) {

  /** A loop that is not a fork. */
  public PrepareInput(String loopId, WorkspaceSpec workspace, String commit) {
    this(loopId, workspace, commit, null);
  }
}
