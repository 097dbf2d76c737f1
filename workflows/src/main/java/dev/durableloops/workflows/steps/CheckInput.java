package dev.durableloops.workflows.steps;

import dev.durableloops.workflows.spec.CheckSpec;

import java.util.List;

/**
 * Input of {@code Check}.
 *
 * @param context the loop, iteration and the attempt commit to check
 * @param checks the checks, run in order
 */
public record CheckInput(StepContext context, List<CheckSpec> checks) {}
