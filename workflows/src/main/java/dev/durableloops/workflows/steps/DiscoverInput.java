package dev.durableloops.workflows.steps;

import dev.durableloops.workflows.spec.StepSpec;

/**
 * Input of {@code Discover}.
 *
 * @param context the loop, iteration and commit
 * @param discover the discover command, or {@code null}: then the goal is the task
 */
public record DiscoverInput(StepContext context, StepSpec discover) {}
