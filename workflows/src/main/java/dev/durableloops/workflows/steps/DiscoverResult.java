package dev.durableloops.workflows.steps;

import java.util.List;

/**
 * Result of {@code Discover}.
 *
 * @param tasks the tasks found, at most 100, each at most 1,000 characters
 * @param task the task chosen for this iteration (the first), or {@code null} when none is left
 * @param exitCode the command's exit code ({@code 0} without a command)
 * @param logPath the command's output, or {@code null}
 */
public record DiscoverResult(List<String> tasks, String task, int exitCode, String logPath) {}
