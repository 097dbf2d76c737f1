package dev.durableloops.workflows;

import dev.durableloops.workflows.spec.LoopSpec;
import dev.durableloops.workflows.state.LoopState;
import java.util.List;

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
 * @param rules the rules of the loop's repository when it started (kept per repository by the
 *     API, written to {@code .loop/RULES.md} and the prompt), or {@code null} for none; a carried
 *     state has its own
 * @param grant who started the loop and with which roles, signed by the API; {@code null} (a loop
 *     started on Temporal directly, or before grants existed) means nobody with no role
 */
public record LoopInput(LoopSpec spec, LoopState carried, Integer iterationsPerRun, ForkSeed fork, List<String> rules,
    StartGrant grant) {

  /** An input without a start grant. */
  public LoopInput(LoopSpec spec, LoopState carried, Integer iterationsPerRun, ForkSeed fork, List<String> rules) {
    this(spec, carried, iterationsPerRun, fork, rules, null);
  }

  /** A first run with no carried state and no per-run iteration limit. */
  public LoopInput(LoopSpec spec) {
    this(spec, null, null, null, null);
  }

  /** A run carrying state (continue-as-new), not a fork. */
  public LoopInput(LoopSpec spec, LoopState carried, Integer iterationsPerRun) {
    this(spec, carried, iterationsPerRun, null, null);
  }

  /** A run with {@code fork}. */
  public LoopInput(LoopSpec spec, LoopState carried, Integer iterationsPerRun, ForkSeed fork) {
    this(spec, carried, iterationsPerRun, fork, null);
  }

  /** The first run of a fork. */
  public static LoopInput forked(LoopSpec spec, ForkSeed fork) {
    return new LoopInput(spec, null, null, fork, null);
  }

  /** This input with the repository's rules. */
  public LoopInput withRules(List<String> repositoryRules) {
    return new LoopInput(spec, carried, iterationsPerRun, fork, repositoryRules, grant);
  }

  /** This input with the API's start grant. */
  public LoopInput withGrant(StartGrant startGrant) {
    return new LoopInput(spec, carried, iterationsPerRun, fork, rules, startGrant);
  }
}
