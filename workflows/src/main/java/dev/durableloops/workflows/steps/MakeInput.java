package dev.durableloops.workflows.steps;

import dev.durableloops.workflows.spec.StepSpec;

/**
 * Input of {@code Make}.
 *
 * @param context the loop, iteration and the checkpoint commit the attempt starts from
 * @param make the maker command
 */
public record MakeInput(StepContext context, StepSpec make) {}
