package dev.durableloops.workflows;

import dev.durableloops.workflows.state.Phase;

import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.TimerOptions;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The {@code maxDuration} deadline cuts the step in flight ({@link Versions#DEADLINE_CUTS}): a timer
 * at the deadline cancels the running command step (its processes are killed) instead of letting it
 * run past, and the loop then ends {@code CAPPED}. Checkpoint, discard and delivery finish; approval
 * waits watch the deadline themselves.
 */
final class Deadline {

  /** Phases whose step the deadline cuts. */
  private static final Set<Phase> CUTTABLE =
      EnumSet.of(Phase.DISCOVER, Phase.PLAN, Phase.MAKE, Phase.CHECK, Phase.GATE, Phase.REFLECT);

  private final LoopProgress state;
  private final Supplier<CancellationScope> iteration;
  /** The deadline a timer is set for ({@code 0}: none yet). */
  private long watched;
  /** The phase the deadline cut, or {@code null}. */
  private Phase cut;

  /**
   * @param iteration the scope of the iteration in flight, or {@code null} between iterations
   */
  Deadline(LoopProgress state, Supplier<CancellationScope> iteration) {
    this.state = state;
    this.iteration = iteration;
  }

  /** Records the marker; called once per run where the loop starts. */
  static void mark() {
    Versions.mark(Versions.DEADLINE_CUTS);
  }

  /**
   * Sets a timer at the current deadline (again when an extension moved it).
   *
   * @param maxDuration the caps' {@code maxDuration} as written, for the summary and the reason
   */
  void watch(Supplier<String> maxDuration) {
    long deadline = state.deadlineMillis();
    if (deadline == watched) {
      return;
    }
    watched = deadline;
    Duration left = Duration.ofMillis(Math.max(deadline - Workflow.currentTimeMillis(), 0));
    Workflow.newTimer(left, TimerOptions.newBuilder().setSummary("maxDuration " + maxDuration.get() + " ends").build())
        .thenApply(fired -> {
          CancellationScope scope = iteration.get();
          if (Workflow.currentTimeMillis() >= state.deadlineMillis() && scope != null && CUTTABLE.contains(state.timeline().phase())) {
            cut = state.timeline().phase();
            scope.cancel("maxDuration " + maxDuration.get() + " passed during " + cut);
          }
          return null;
        });
  }

  /** The phase the deadline cut, or {@code null} when it cut none. */
  Phase cut() {
    return cut;
  }

  /** Why the loop ends after the deadline cut {@code phase}, as recorded in its timeline. */
  String reason(Phase phase, String maxDuration) {
    return "reached maxDuration=" + maxDuration + " during " + phase.name().toLowerCase(Locale.ROOT) + " (deadline "
        + Instant.ofEpochMilli(state.deadlineMillis()) + "): the step was cancelled, its processes killed, its attempt not kept";
  }
}
