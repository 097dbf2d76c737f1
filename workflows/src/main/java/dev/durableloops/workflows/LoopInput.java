package dev.durableloops.workflows;

import dev.durableloops.workflows.spec.LoopSpec;
import dev.durableloops.workflows.state.LoopState;

/**
 * The input of {@link LoopWorkflow#run}.
 *
 * @param spec the loop spec
 * @param carried the state carried over by continue-as-new, or {@code null} on a loop's first run.
 *     (Forks started before {@link #fork} existed carried their seed here with a {@code null}
 *     budget; such runs still replay.)
 * @param iterationsPerRun continue-as-new after this many iterations in one run, besides when
 *     Temporal suggests it or the history passes {@value LoopWorkflowImpl#MAX_HISTORY_EVENTS}
 *     events; {@code null} (the default) for no such limit. A tuning and testing knob.
 * @param fork where a forked loop starts, or {@code null} for a loop that is not a fork
 */
public record LoopInput(LoopSpec spec, LoopState carried, Integer iterationsPerRun, ForkSeed fork) {

  /** A first run with no carried state and no per-run iteration limit. */
  public LoopInput(LoopSpec spec) {
    this(spec, null, null, null);
  }

  /** A run carrying state (continue-as-new), not a fork. */
  public LoopInput(LoopSpec spec, LoopState carried, Integer iterationsPerRun) {
    this(spec, carried, iterationsPerRun, null);
  }

  /** The first run of a fork. */
  public static LoopInput forked(LoopSpec spec, ForkSeed fork) {
    return new LoopInput(spec, null, null, fork);
  }
}
