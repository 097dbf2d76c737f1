package dev.durableloops.workflows.steps;

import dev.durableloops.workflows.spec.StepSpec;

/**
 * Input of {@code Review}: the reviewer command to run on the attempt. Only the attempt's commit
 * (in the context) travels, not the maker's or the checks' results: the reviewer reads the diff the
 * worker writes for it.
 *
 * @param context the loop, iteration and the attempt commit the workspace is reconciled to
 * @param review the reviewer command; its exit code 0 approves
 */
public record ReviewInput(StepContext context, StepSpec review) {}
