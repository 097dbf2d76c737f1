package dev.durableloops.workflows.steps;

import java.util.List;
import java.util.Map;

/**
 * What every workspace step needs to know about the loop.
 *
 * @param loopId the loop id
 * @param iteration the iteration (1-based)
 * @param goal the goal, passed to commands as {@code LOOP_GOAL}
 * @param commit the commit the workspace must be at before the step runs (the idempotent restore)
 * @param env the spec's extra environment, secrets still as {@code ${secret:NAME}} placeholders
 * @param passEnv names the spec passes through from the worker's environment
 */
public record StepContext(String loopId, int iteration, String goal, String commit, Map<String, String> env, List<String> passEnv) {

  /** A context with no extra environment. */
  public StepContext(String loopId, int iteration, String goal, String commit) {
    this(loopId, iteration, goal, commit, Map.of(), List.of());
  }
}
