package dev.durableloops.workflows;

/**
 * What every workspace step needs to know about the loop.
 *
 * @param loopId the loop id
 * @param iteration the iteration (1-based)
 * @param goal the goal, passed to commands as {@code LOOP_GOAL}
 * @param commit the commit the workspace must be at before the step runs (the idempotent restore)
 */
public record StepContext(String loopId, int iteration, String goal, String commit) {}
