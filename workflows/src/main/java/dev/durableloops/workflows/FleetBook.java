package dev.durableloops.workflows;

import dev.durableloops.workflows.state.BacklogTask;
import dev.durableloops.workflows.state.FleetState;
import dev.durableloops.workflows.state.Reflection;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A fan-out parent's records ({@link FanOut}): its children and the budget they hold
 * ({@code state.fleet}), the backlog's tasks, and the bounce reflections each task's next child is
 * handed. The first two are carried by continue-as-new in the state; the bounces are found again
 * there (the reflections signed {@code land:<task>}).
 */
final class FleetBook {

  private final LoopProgress state;
  /** Bounce reflections per task id, handed to the task's next child. */
  private final Map<String, List<Reflection>> bounces = new HashMap<>();

  FleetBook(LoopProgress state) {
    this.state = state;
    if (state.kept().fleet == null) {
      state.kept().fleet = new FleetState();
    }
    for (Reflection r : state.kept().reflections) {
      if (r.signature() != null && r.signature().startsWith("land:")) {
        bounced(r.signature().substring("land:".length()), r);
      }
    }
  }

  /** The fleet in the state. */
  FleetState fleet() {
    return state.kept().fleet;
  }

  /** Records what became of child {@code loopId}: its status, the checkpoint it landed as, what it cost. */
  void child(String loopId, String status, Integer checkpoint, double costUsd) {
    List<FleetState.Child> all = fleet().children;
    for (int i = 0; i < all.size(); i++) {
      if (all.get(i).loopId().equals(loopId)) {
        all.set(i, new FleetState.Child(loopId, all.get(i).taskId(), status, checkpoint, costUsd));
      }
    }
  }

  /** The backlog task {@code id}, or {@code null}. */
  BacklogTask task(String id) {
    return state.kept().tasks.stream().filter(t -> t.id().equals(id)).findFirst().orElse(null);
  }

  /** Puts {@code changed} in the place of the task with its id. */
  void replace(BacklogTask changed) {
    List<BacklogTask> tasks = state.kept().tasks;
    for (int i = 0; i < tasks.size(); i++) {
      if (tasks.get(i).id().equals(changed.id())) {
        tasks.set(i, changed);
        return;
      }
    }
  }

  /** The bounce reflections of task {@code taskId}, oldest first. */
  List<Reflection> bounces(String taskId) {
    return List.copyOf(bounces.getOrDefault(taskId, List.of()));
  }

  /** Records a bounce reflection of task {@code taskId}. */
  void bounced(String taskId, Reflection r) {
    bounces.computeIfAbsent(taskId, k -> new ArrayList<>()).add(r);
  }
}
