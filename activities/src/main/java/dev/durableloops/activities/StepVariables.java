package dev.durableloops.activities;

import dev.durableloops.workflows.steps.StepContext;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The environment a step command gets: what {@link CommandPolicy#environment} lets through (the
 * worker's inherited variables it allows, the spec's {@code passEnv} and {@code env}), then the
 * loop's variables — {@code LOOP_ID}, {@code LOOP_ITERATION}, {@code LOOP_WORKSPACE},
 * {@code LOOP_GOAL}, {@code LOOP_PROMPT_FILE}, {@code LOOP_STATE_FILE},
 * {@code LOOP_REFLECTIONS_FILE}, {@code LOOP_RULES_FILE}, {@code LOOP_RESULT_FILE} — then the
 * step's own ({@code LOOP_TASK} for plan and reflect, {@code LOOP_DIFF_FILE} for the reviewer,
 * {@code LOOP_EVIDENCE_FILE} for reflect, {@code LOOP_DELIVER_*} for deliver). A later entry
 * replaces an earlier one of the same name. How the map reaches the command inside the sandbox is
 * {@link StepEnvironment}'s job.
 */
final class StepVariables {

  private StepVariables() {}

  /**
   * The environment of a step of the loop of {@code ctx}, in the order it is built.
   *
   * @param workspace the loop's workspace, which the file variables point into
   * @param extra the step's own variables
   */
  static Map<String, String> of(CommandPolicy policy, StepContext ctx, Path workspace, Map<String, String> extra) {
    Map<String, String> env = new LinkedHashMap<>(policy.environment(System.getenv(), ctx.passEnv(), ctx.env()));
    env.put("LOOP_ID", ctx.loopId());
    env.put("LOOP_ITERATION", Integer.toString(ctx.iteration()));
    env.put("LOOP_WORKSPACE", workspace.toString());
    env.put("LOOP_GOAL", ctx.goal());
    env.put("LOOP_PROMPT_FILE", workspace.resolve(MemoryFiles.PROMPT).toString());
    env.put("LOOP_STATE_FILE", workspace.resolve(MemoryFiles.STATE).toString());
    env.put("LOOP_REFLECTIONS_FILE", workspace.resolve(MemoryFiles.REFLECTIONS).toString());
    env.put("LOOP_RULES_FILE", workspace.resolve(MemoryFiles.RULES).toString());
    env.put("LOOP_RESULT_FILE", workspace.resolve(MemoryFiles.RESULT).toString());
    env.putAll(extra);
    return env;
  }
}
