package dev.durableloops.workflows.steps;

/**
 * Input of {@code Discard}.
 *
 * @param loopId the loop id
 * @param checkpointCommit the last checkpoint's commit the workspace goes back to
 */
public record DiscardInput(String loopId, String checkpointCommit) {}
