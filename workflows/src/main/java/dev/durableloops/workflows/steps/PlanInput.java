package dev.durableloops.workflows.steps;

import dev.durableloops.workflows.spec.StepSpec;

/**
 * Input of {@code Plan}.
 *
 * @param context the loop, iteration and commit
 * @param task the task discover chose
 * @param plan the plan command, or {@code null} for the built-in prompt
 * @param memory what the prompt and memory files are rendered from
 * @param promptFrom the loop whose workspace (on this worker) holds the prompt this iteration's plan
 *     made, to copy instead of running a plan command (a best-of-N attempt's {@code Plan}); or
 *     {@code null}: the prompt is rendered, then the plan command (if any) runs
 */
public record PlanInput(StepContext context, String task, StepSpec plan, MemoryView memory, String promptFrom) {

  /** A plan that renders its prompt and runs {@code plan} (if any) itself. */
  public PlanInput(StepContext context, String task, StepSpec plan, MemoryView memory) {
    this(context, task, plan, memory, null);
  }
}
