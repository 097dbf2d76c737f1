package dev.durableloops.workflows;

/**
 * The input of {@link LoopWorkflow#run}.
 *
 * @param spec the loop spec
 * @param carried the state carried over by continue-as-new (or seeded by a fork), or {@code null}
 *     on a loop's first run
 * @param iterationsPerRun continue-as-new after this many iterations in one run, besides when
 *     Temporal suggests it or the history passes {@value LoopWorkflowImpl#MAX_HISTORY_EVENTS}
 *     events; {@code null} (the default) for no such limit. A tuning and testing knob.
 */
public record LoopInput(LoopSpec spec, LoopState carried, Integer iterationsPerRun) {

  /** A first run with no carried state and no per-run iteration limit. */
  public LoopInput(LoopSpec spec) {
    this(spec, null, null);
  }
}
