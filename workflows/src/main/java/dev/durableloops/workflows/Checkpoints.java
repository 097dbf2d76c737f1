package dev.durableloops.workflows;

import dev.durableloops.workflows.state.BacklogTask;
import dev.durableloops.workflows.state.CarriedState;
import dev.durableloops.workflows.state.Checkpoint;
import dev.durableloops.workflows.state.Reflection;
import dev.durableloops.workflows.state.RollbackResult;
import dev.durableloops.workflows.steps.CheckpointResult;

import java.util.ArrayList;
import java.util.List;

/**
 * The loop's checkpoints: taking one (the head moves to it), finding one, and rolling back to one.
 * They live in the carried state ({@code checkpoints}, with {@code headCommit} and
 * {@code bestMetric}); numbers start at 1, grow by one and are never reused, and {@code 0} stands
 * for the base commit. The breaker they reset and the reflections they add are
 * {@link LoopProgress}'s.
 */
final class Checkpoints {

  private final LoopProgress state;

  Checkpoints(LoopProgress state) {
    this.state = state;
  }

  private CarriedState kept() {
    return state.kept();
  }

  /** Every checkpoint kept, oldest first, rolled-back ones included (the state's own list). */
  List<Checkpoint> all() {
    return kept().checkpoints;
  }

  /** Checkpoint {@code number}, or {@code null} when there is none. */
  Checkpoint get(int number) {
    return all().stream().filter(c -> c.number() == number).findFirst().orElse(null);
  }

  /** Checkpoint numbers are never reused, so a rolled-back checkpoint's tag keeps its commit. */
  int nextNumber() {
    return all().isEmpty() ? 1 : all().get(all().size() - 1).number() + 1;
  }

  /** The number of the checkpoint at the head, {@code 0} when the head is the base commit. */
  int head() {
    return all().stream().filter(c -> c.commit().equals(kept().headCommit) && !c.rolledBack()).mapToInt(Checkpoint::number).max()
        .orElse(0);
  }

  /**
   * Records an accepted attempt as checkpoint {@code number}: the head moves to it and the
   * no-progress breaker resets.
   *
   * @param metric the attempt's metric, or {@code null}
   * @param metricCounts whether the loop has a metric (only then does it become the best)
   * @param at ISO-8601 instant (workflow time)
   */
  void taken(int number, CheckpointResult cp, Double metric, boolean metricCounts, String at) {
    kept().headCommit = cp.commit();
    if (metric != null && metricCounts) {
      kept().bestMetric = metric;
    }
    all().add(new Checkpoint(number, state.iteration(), cp.commit(), cp.tag(), at, state.costUsd(), kept().reflectionsWritten, metric, false));
    state.progressMade();
  }

  /**
   * Moves the state back to checkpoint {@code target} ({@code 0}: the base commit): later
   * checkpoints are marked rolled back, tasks they finished are work again, the best metric is the
   * target's, the breaker resets, and a reflection records why.
   *
   * @param commit the target's commit, already restored in the workspace
   */
  RollbackResult rollBackTo(int target, String commit, String reason) {
    Checkpoint to = target == 0 ? null : get(target);
    List<Integer> marked = new ArrayList<>();
    for (int i = 0; i < all().size(); i++) {
      Checkpoint c = all().get(i);
      if (c.number() > target && !c.rolledBack()) {
        all().set(i, c.withRolledBack());
        marked.add(c.number());
      }
    }
    kept().headCommit = commit;
    kept().bestMetric = to == null ? null : to.metric();
    // Tasks finished by abandoned checkpoints are work again.
    kept().tasks.replaceAll(t -> t.status() == BacklogTask.Status.DONE && t.checkpoint() != null && t.checkpoint() > target
        ? t.with(BacklogTask.Status.LEFT, t.attempts(), null, null) : t);
    state.progressMade();
    int iteration = state.iteration();
    state.reflect(new Reflection(iteration,
        "Rolled back to " + (to == null ? "the base commit" : "checkpoint " + target) + " (" + Texts.shortId(commit) + "): " + reason + "."
            + (marked.isEmpty() ? "" : " Checkpoints " + marked + " were abandoned; what was learned on that path is kept above."),
        null, false));
    return new RollbackResult(target, commit, List.copyOf(marked), iteration);
  }
}
