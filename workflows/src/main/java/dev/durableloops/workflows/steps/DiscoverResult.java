package dev.durableloops.workflows.steps;

import java.util.List;

/**
 * Result of {@code Discover}.
 *
 * @param tasks the tasks found, at most 100, each at most 1,000 characters
 * @param task the task chosen for this iteration (the first), or {@code null} when none is left
 * @param exitCode the command's exit code ({@code 0} without a command)
 * @param logPath the command's output, or {@code null}
 * @param items the tasks found with their ids and details, in the order found ({@code null} in
 *     results recorded before tasks had ids: then each of {@code tasks} is its own id)
 */
public record DiscoverResult(List<String> tasks, String task, int exitCode, String logPath, List<Task> items) {

  /** The tasks found with ids; built from {@link #tasks()} for results recorded without them. */
  public List<Task> found() {
    return items != null ? items : tasks.stream().map(t -> new Task(t, t, null)).toList();
  }
}
