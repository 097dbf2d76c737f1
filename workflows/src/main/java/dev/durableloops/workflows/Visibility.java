package dev.durableloops.workflows;

import dev.durableloops.workflows.state.LoopState;
import dev.durableloops.workflows.state.LoopStatus;

import io.temporal.common.SearchAttributeUpdate;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.List;

/**
 * What the world sees of a running loop without querying it: the search attributes
 * ({@link LoopSearchAttributes}) and the current-details progress table. Only attributes that
 * changed are upserted, since every upsert is a command in the history.
 */
final class Visibility {

  private LoopStatus upsertedStatus;
  private long upsertedIteration = -1;
  private double upsertedCost = -1;

  /** Upserts the search attributes that changed and refreshes the current details. */
  void publish(LoopState state) {
    List<SearchAttributeUpdate<?>> updates = new ArrayList<>();
    if (state.status() != upsertedStatus) {
      updates.add(LoopSearchAttributes.STATUS.valueSet(state.status().name()));
      upsertedStatus = state.status();
    }
    if (state.iteration() != upsertedIteration) {
      updates.add(LoopSearchAttributes.ITERATION.valueSet((long) state.iteration()));
      upsertedIteration = state.iteration();
    }
    double cost = state.carried().budget == null ? 0 : state.carried().budget.costUsd();
    if (cost != upsertedCost) {
      updates.add(LoopSearchAttributes.COST_USD.valueSet(cost));
      upsertedCost = cost;
    }
    if (!updates.isEmpty()) {
      Workflow.upsertTypedSearchAttributes(updates.toArray(new SearchAttributeUpdate<?>[0]));
    }
    Workflow.setCurrentDetails(ProgressTable.render(state));
  }
}
