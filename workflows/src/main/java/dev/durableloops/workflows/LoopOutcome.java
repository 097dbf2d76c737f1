package dev.durableloops.workflows;

import dev.durableloops.workflows.state.LoopStatus;

/**
 * The result of a loop that ended without failing.
 *
 * @param status {@code SUCCEEDED}, {@code CAPPED} or {@code STALLED}
 * @param stopReason why it ended
 * @param iterations iterations run
 * @param checkpoints checkpoints taken
 * @param headCommit the last checkpoint's commit
 * @param costUsd USD used
 */
public record LoopOutcome(
    LoopStatus status, String stopReason, int iterations, int checkpoints, String headCommit, double costUsd) {}
