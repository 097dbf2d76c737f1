package dev.durableloops.workflows.state;

import com.fasterxml.jackson.annotation.JsonUnwrapped;

/**
 * A loop's state: the answer of the {@code state} Query, what continue-as-new carries, and the body
 * of {@code GET /api/loops/{id}}. Its JSON is one flat object: the four fields below, then the
 * fields of {@link CarriedState} and of {@link LiveState}, unwrapped. The four stay at the top
 * because readers replace them with what Temporal knows ({@code LoopView}); a new field goes into
 * one of the two parts.
 *
 * <p>The workflow answers with its own parts, not copies: Temporal writes the answer out at once.
 *
 * @param loopId the workflow id
 * @param status where the loop stands (carried: a paused loop stays paused)
 * @param iteration iterations started (carried)
 * @param stopReason why the loop ended, or {@code null} while it runs
 * @param carried what continue-as-new carries to the next run
 * @param live what only readers need
 */
public record LoopState(
    String loopId,
    LoopStatus status,
    int iteration,
    String stopReason,
    @JsonUnwrapped CarriedState carried,
    @JsonUnwrapped LiveState live) {

  /** Tasks kept in the state at most (done and set-aside ones first). */
  public static final int MAX_TASKS = 200;
}
