package dev.durableloops.workflows.steps;

import dev.durableloops.workflows.state.Checkpoint;

/**
 * Input of {@code Checkpoint}.
 *
 * @param loopId the loop id
 * @param number the checkpoint number to create (1-based)
 * @param attemptCommit the accepted attempt
 */
public record CheckpointInput(String loopId, int number, String attemptCommit) {}
