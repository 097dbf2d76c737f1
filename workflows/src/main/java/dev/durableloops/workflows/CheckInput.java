package dev.durableloops.workflows;

import java.util.List;

/**
 * Input of {@code Check}.
 *
 * @param context the loop, iteration and the attempt commit to check
 * @param checks the checks, run in order
 */
public record CheckInput(StepContext context, List<CheckSpec> checks) {}
