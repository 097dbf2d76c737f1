package dev.durableloops.workflows.steps;

import dev.durableloops.workflows.spec.StepSpec;

/**
 * Input of {@code Reflect}.
 *
 * @param context the loop, iteration and the last checkpoint commit
 * @param reflect the reflect command, or {@code null} for the built-in note
 * @param task the iteration's task
 * @param make the maker's result
 * @param check the checks' result
 * @param gate the gate's result
 * @param verdictReason why the attempt was finally rejected (gate, human or timeout)
 * @param humanComment a human's rejection comment, or {@code null}
 * @param repeated whether this failure signature equals the previous iteration's
 * @param repeatCount how many rejected iterations in a row had this signature
 * @param discard whether this step also throws the attempt away (what {@code Discard} did before
 *     the lean iteration, {@code Versions.LEAN_ITERATION}): the workspace is reconciled to the
 *     context's commit even without a reflect command, and the iteration counts as rejected in the
 *     worker's metrics; {@code false} in inputs recorded before it
 */
public record ReflectInput(
    StepContext context,
    StepSpec reflect,
    String task,
    MakeResult make,
    CheckResult check,
    GateResult gate,
    String verdictReason,
    String humanComment,
    boolean repeated,
    int repeatCount,
    boolean discard) {

  /** An input that leaves the workspace to a {@code Discard} step (the older sequence). */
  public ReflectInput(StepContext context, StepSpec reflect, String task, MakeResult make, CheckResult check, GateResult gate,
      String verdictReason, String humanComment, boolean repeated, int repeatCount) {
    this(context, reflect, task, make, check, gate, verdictReason, humanComment, repeated, repeatCount, false);
  }
}
