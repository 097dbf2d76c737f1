package dev.durableloops.workflows.state;

import dev.durableloops.workflows.spec.IsoDuration;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.Size;

/**
 * An {@code extend} decision for a loop {@code AWAITING_BUDGET}: new limits (absolute, not
 * increments), who and why. At least one limit must be given and take the loop past the cap it
 * reached.
 *
 * @param maxIterations the new iteration cap, or {@code null} to keep it
 * @param maxDuration the new wall-time budget from the loop's start (ISO-8601), or {@code null}
 * @param maxCostUsd the new cost cap, or {@code null}
 * @param by who extends it (the API records the authenticated caller)
 * @param reason why, kept in the timeline and the notes
 */
public record BudgetExtension(
    @Positive @Max(1_000_000) Integer maxIterations,
    @IsoDuration String maxDuration,
    @Positive @DecimalMax("1000000") Double maxCostUsd,
    @Size(max = 200) String by,
    @Size(max = 2_000) String reason) {}
