package dev.durableloops.workflows.steps;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.durableloops.workflows.StartGrant;
import dev.durableloops.workflows.spec.LoopSpec;
import dev.durableloops.workflows.spec.WorkspaceSpec;

/**
 * Input of {@code Prepare}.
 *
 * @param loopId the loop id; names the workspace directory and the refs
 * @param workspace the repository and base branch
 * @param commit the commit to reconcile the workspace to, or {@code null} for the base branch's tip
 * @param forkOf the loop a fork starts from, whose refs in the git store hold {@code commit}; or
 *     {@code null}
 * @param spec the loop's normalized spec, which the worker checks against its spec policy before
 *     preparing (a loop started on Temporal directly gets the same checks as one the API started);
 *     {@code null} from callers that are not a loop (tests, the benchmark): nothing is checked
 * @param grant the loop's start grant ({@link StartGrant}), or {@code null}: no role
 * @param firstRun in a loop's first run, what it was started with, which the grant must sign; {@code null}
 *     in a run the workflow continued (its state is its own) and from callers that are not a loop
 * @param parentLoopId the loop whose fan-out started this one as a child workflow (as Temporal
 *     names the parent, never the input), or {@code null} (absent from the JSON) for any other
 *     loop: such a child carries its parent's grant and a fork seed of the parent
 */
public record PrepareInput(String loopId, WorkspaceSpec workspace, String commit, String forkOf, LoopSpec spec, StartGrant grant,
    FirstRun firstRun, @JsonInclude(JsonInclude.Include.NON_NULL) String parentLoopId) {

  /** Input of a loop that is no fan-out's child. */
  public PrepareInput(String loopId, WorkspaceSpec workspace, String commit, String forkOf, LoopSpec spec, StartGrant grant,
      FirstRun firstRun) {
    this(loopId, workspace, commit, forkOf, spec, grant, firstRun, null);
  }

  /** Input without a first run's start (a continued run, or not a loop). */
  public PrepareInput(String loopId, WorkspaceSpec workspace, String commit, String forkOf, LoopSpec spec, StartGrant grant) {
    this(loopId, workspace, commit, forkOf, spec, grant, null);
  }

  /** A loop that is not a fork. */
  public PrepareInput(String loopId, WorkspaceSpec workspace, String commit) {
    this(loopId, workspace, commit, null);
  }

  /** Input without a spec to check. */
  public PrepareInput(String loopId, WorkspaceSpec workspace, String commit, String forkOf) {
    this(loopId, workspace, commit, forkOf, null, null);
  }
}
