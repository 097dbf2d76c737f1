package dev.durableloops.workflows;

import dev.durableloops.workflows.state.AttemptReport;
import dev.durableloops.workflows.state.CarriedState;
import dev.durableloops.workflows.state.Checkpoint;
import dev.durableloops.workflows.state.Reflection;
import dev.durableloops.workflows.state.TimelineRow;
import java.util.ArrayList;
import java.util.List;

/**
 * Forks from any attempt of a best-of-N iteration, the losers included: the attempt's commit (kept
 * in the git store under {@code refs/loops/<id>/attempts/<n>/<k>}) with what a fork from the
 * checkpoint it started from gets ({@link Compaction#forkSeed}), plus a reflection naming the attempt.
 */
final class AttemptForks {

  private AttemptForks() {}

  /**
   * The seed of a fork from attempt {@code attempt} of iteration {@code iteration}.
   *
   * @return the seed, or {@code null} when the timeline (as compaction left it) has no such finished
   *     attempt
   */
  static ForkSeed seed(String loopId, CarriedState kept, int iteration, int attempt) {
    TimelineRow row = kept.timeline.stream()
        .filter(r -> r.iteration() == iteration && r.selection() != null).reduce((a, b) -> b).orElse(null);
    AttemptReport chosen = row == null ? null : row.selection().attempt(attempt);
    if (chosen == null || !chosen.finished()) {
      return null;
    }
    // The checkpoint the attempt started from: the last one taken before its iteration.
    int from = kept.checkpoints.stream().filter(c -> c.iteration() < iteration).mapToInt(Checkpoint::number).max().orElse(0);
    ForkSeed base = Compaction.forkSeed(loopId, kept, from);
    if (base == null) {
      base = Compaction.forkSeed(loopId, kept, 0);
    }
    List<Reflection> reflections = new ArrayList<>(base.reflections());
    reflections.add(new Reflection(iteration, "This fork starts from attempt " + attempt + " (" + chosen.variant() + ") of iteration "
        + iteration + " of loop " + loopId + ", commit " + chosen.commit() + ", not from the attempt kept then ("
        + row.selection().winner() + ": " + row.selection().rule() + ")"
        + (chosen.note() == null ? "." : "; the gate had said: " + chosen.note()), null, false));
    return new ForkSeed(loopId, base.checkpoint(), chosen.commit(), List.copyOf(reflections), base.notes(), chosen.metric());
  }
}
