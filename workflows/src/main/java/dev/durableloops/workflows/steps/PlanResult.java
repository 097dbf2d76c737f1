package dev.durableloops.workflows.steps;

/**
 * Result of {@code Plan}.
 *
 * @param promptFile absolute path of the prompt file on the worker
 * @param promptHash SHA-256 (hex) of the prompt
 * @param promptChars the prompt's length in characters
 * @param exitCode the plan command's exit code ({@code 0} without a command)
 */
public record PlanResult(String promptFile, String promptHash, int promptChars, int exitCode) {}
