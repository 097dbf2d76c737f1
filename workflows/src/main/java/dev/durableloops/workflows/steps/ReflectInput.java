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
    int repeatCount) {}
