package dev.durableloops.workflows.steps;

import dev.durableloops.workflows.spec.StepSpec;

/**
 * Input of {@code Plan}.
 *
 * @param context the loop, iteration and commit
 * @param task the task discover chose
 * @param plan the plan command, or {@code null} for the built-in prompt
 * @param memory what the prompt and memory files are rendered from
 */
public record PlanInput(StepContext context, String task, StepSpec plan, MemoryView memory) {}
