package dev.durableloops.workflows;

import dev.durableloops.workflows.state.BacklogTask;
import dev.durableloops.workflows.state.LoopState;
import dev.durableloops.workflows.state.LoopStatus;
import dev.durableloops.workflows.state.TimelineRow;
import dev.durableloops.workflows.state.Verdict;
import dev.durableloops.workflows.steps.DiscoverResult;
import dev.durableloops.workflows.steps.Task;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * A backlog loop's tasks (a loop with {@code discover}): which task the loop works on, how often it
 * was tried, which are done or set aside, and how the loop ends when discover gives no task. The
 * tasks live in the carried state ({@code tasks}); the breaker it resets is {@link LoopProgress}'s.
 */
final class Backlog {

  private final LoopProgress state;

  Backlog(LoopProgress state) {
    this.state = state;
  }

  private List<BacklogTask> tasks() {
    return state.kept().tasks;
  }

  /**
   * Takes what discover found and picks the task to work on: the first found that is not set
   * aside. Done tasks and set-aside ones stay listed; the rest of the list becomes what was found
   * now ({@code LEFT}), attempts carried by id. Moving to another task resets the no-progress
   * breaker, which counts per task in a backlog loop.
   *
   * @return the task to work on, or {@code null} when every task found is set aside (or none was found)
   */
  Task nextTask(List<Task> found) {
    Map<String, BacklogTask> known = new LinkedHashMap<>();
    tasks().forEach(t -> known.put(t.id(), t));
    String previous = tasks().stream().filter(t -> t.status() == BacklogTask.Status.IN_PROGRESS).map(BacklogTask::id)
        .findFirst().orElse(null);
    Set<String> foundIds = new HashSet<>();
    found.forEach(t -> foundIds.add(t.id()));
    List<BacklogTask> next = new ArrayList<>();
    tasks().stream().filter(t -> t.status() == BacklogTask.Status.DONE && !foundIds.contains(t.id())).forEach(next::add);
    tasks().stream().filter(t -> t.status() == BacklogTask.Status.SET_ASIDE).forEach(next::add);
    Task chosen = null;
    for (Task t : found) {
      BacklogTask was = known.get(t.id());
      if (was != null && was.status() == BacklogTask.Status.SET_ASIDE) {
        continue;
      }
      int attempts = was == null ? 0 : was.attempts();
      BacklogTask.Status status = chosen == null ? BacklogTask.Status.IN_PROGRESS : BacklogTask.Status.LEFT;
      if (chosen == null) {
        chosen = t;
      }
      next.add(new BacklogTask(t.id(), t.title(), status, attempts, null, null));
    }
    while (next.size() > LoopState.MAX_TASKS) {
      next.remove(next.size() - 1);
    }
    state.kept().tasks = next;
    if (chosen != null && !chosen.id().equals(previous)) {
      state.progressMade();
    }
    return chosen;
  }

  /** Counts an iteration spent on the task in progress; returns its attempts so far. */
  int taskAttempted() {
    return updateTaskInProgress(t -> t.with(t.status(), t.attempts() + 1, null, null)).attempts();
  }

  /** The task in progress is done: checkpoint {@code checkpoint} holds it. */
  void taskDone(int checkpoint) {
    updateTaskInProgress(t -> t.with(BacklogTask.Status.DONE, t.attempts(), checkpoint, null));
  }

  /** Sets the task in progress aside for {@code reason}; the breaker starts afresh for the next task. */
  BacklogTask setTaskAside(String reason) {
    BacklogTask aside = updateTaskInProgress(t -> t.with(BacklogTask.Status.SET_ASIDE, t.attempts(), null, reason));
    state.progressMade();
    return aside;
  }

  /** How many tasks have the status. */
  long tasks(BacklogTask.Status status) {
    return tasks().stream().filter(t -> t.status() == status).count();
  }

  private BacklogTask updateTaskInProgress(UnaryOperator<BacklogTask> change) {
    for (int i = 0; i < tasks().size(); i++) {
      if (tasks().get(i).status() == BacklogTask.Status.IN_PROGRESS) {
        BacklogTask changed = change.apply(tasks().get(i));
        tasks().set(i, changed);
        return changed;
      }
    }
    throw new IllegalStateException("no task is in progress");
  }

  /**
   * How a backlog loop ends when discover gave no task to work on: no tasks at all is success (no
   * work left, or none to begin with); only set-aside tasks left is a stall. A discover command
   * that failed and printed no task is a failed iteration, which the no-progress breaker counts;
   * then {@code null}.
   */
  Stop backlogEnd(DiscoverResult discovered) {
    if (discovered.found().isEmpty() && discovered.exitCode() != 0) {
      String why = "discover failed with exit " + discovered.exitCode() + " and found no task; it runs again next iteration";
      state.failedWith("discover:" + discovered.exitCode());
      state.timeline().record(TimelineRow.event(state.iteration(), Verdict.REJECT, why));
      return null;
    }
    long done = tasks(BacklogTask.Status.DONE);
    long aside = tasks(BacklogTask.Status.SET_ASIDE);
    if (discovered.found().isEmpty()) {
      return new Stop(LoopStatus.SUCCEEDED, done == 0 && aside == 0 ? "no work: discover found no tasks"
          : "discover found no work left: " + done + " task(s) done" + (aside == 0 ? "" : ", " + aside + " set aside earlier"));
    }
    return new Stop(LoopStatus.STALLED, "every task discover still finds was set aside (" + aside + "); " + done + " task(s) done");
  }
}
