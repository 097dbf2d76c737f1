package dev.durableloops.workflows.steps;

/**
 * Input of {@code Rollback}.
 *
 * @param loopId the loop id
 * @param commit the checkpoint commit the work branch and the workspace go back to
 */
public record RollbackInput(String loopId, String commit) {}
