package dev.durableloops.workflows.steps;

import dev.durableloops.workflows.ForkSeed;
import dev.durableloops.workflows.state.LoopState;

/**
 * What a loop's first run was started with from outside the workflow (the API, a schedule, or
 * anyone who can reach Temporal): the state and the fork seed of its input. {@code Prepare} carries
 * it in the first run only, and the worker admits it only when the loop's start grant signs it (the
 * API starts loops with no carried state), so a copied grant cannot bring caps or commits of its
 * own. A run continued by the workflow itself ({@code continue-as-new}) carries state from its own
 * history and has none.
 *
 * @param carried the input's carried state, or {@code null}
 * @param fork the input's fork seed, or {@code null}
 */
public record FirstRun(LoopState carried, ForkSeed fork) {}
