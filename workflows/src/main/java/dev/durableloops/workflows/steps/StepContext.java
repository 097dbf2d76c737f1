package dev.durableloops.workflows.steps;

import dev.durableloops.workflows.spec.SandboxSpec;
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
 * @param sandbox how the step's command is confined; {@code null} (inputs recorded before it
 *     existed) means {@link SandboxSpec#DEFAULT}
 */
public record StepContext(
    String loopId, int iteration, String goal, String commit, Map<String, String> env, List<String> passEnv, SandboxSpec sandbox) {

  /** A context with the default sandbox. */
  public StepContext(String loopId, int iteration, String goal, String commit, Map<String, String> env, List<String> passEnv) {
    this(loopId, iteration, goal, commit, env, passEnv, null);
  }

  /** The sandbox spec, {@link SandboxSpec#DEFAULT} when none was given. */
  public SandboxSpec sandboxOrDefault() {
    return sandbox == null ? SandboxSpec.DEFAULT : sandbox.normalized();
  }

  /** A context with no extra environment. */
  public StepContext(String loopId, int iteration, String goal, String commit) {
    this(loopId, iteration, goal, commit, Map.of(), List.of());
  }
}
