package dev.durableloops.workflows.steps;

import dev.durableloops.workflows.spec.GateSpec;
import dev.durableloops.workflows.spec.MetricSpec;
import dev.durableloops.workflows.spec.StepSpec;

/**
 * Input of {@code Gate}.
 *
 * @param context the loop, iteration and the attempt commit
 * @param gate the approval policy (normalized)
 * @param review the optional reviewer command
 * @param make the maker's result
 * @param check the checks' result
 * @param metric the metric spec of the checks, or {@code null}
 * @param bestMetric the best checkpoint's metric, or {@code null}
 */
public record GateInput(
    StepContext context, GateSpec gate, StepSpec review, MakeResult make, CheckResult check, MetricSpec metric, Double bestMetric) {}
