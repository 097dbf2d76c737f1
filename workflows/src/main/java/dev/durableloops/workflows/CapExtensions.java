package dev.durableloops.workflows;

import static dev.durableloops.workflows.Texts.truncate;

import dev.durableloops.workflows.spec.Caps;
import dev.durableloops.workflows.state.BudgetExtension;
import dev.durableloops.workflows.state.TimelineRow;
import dev.durableloops.workflows.state.LoopStatus;

import io.temporal.workflow.Workflow;

/**
 * The caps in force and the protocol that extends them ({@link Versions#ASK_CAPS}): the spec's caps
 * as extended since (carried across continue-as-new in the budget's limits). With
 * {@code onCap: ASK}, a reached iteration, time or cost cap makes the loop wait as
 * {@code AWAITING_BUDGET} for an extension (the {@code extend} Update or the {@code extendBudget}
 * Signal) for {@code extendTimeout}, and a person is notified; without one it ends {@code CAPPED}.
 * The no-progress breaker always stops.
 */
final class CapExtensions {

  private final LoopProgress state;
  private final Notifications notifications;
  private final Runnable publish;
  /** Whether an extension arrived for the current wait. */
  private boolean extended;

  /**
   * @param state the loop's state, which keeps the caps in force
   * @param publish publishes the state when the wait begins and ends
   */
  CapExtensions(LoopProgress state, Notifications notifications, Runnable publish) {
    this.state = state;
    this.notifications = notifications;
    this.publish = publish;
  }

  /** The caps in force. */
  Caps caps() {
    return state.caps();
  }

  /**
   * The stop a cap or the breaker calls for before the next iteration, or {@code null} when the
   * loop goes on (also after an extension arrived in time).
   */
  Stop check() {
    Stop capped = CapBreaker.check(caps(), state, Workflow.currentTimeMillis());
    if (capped != null && capped.status() == LoopStatus.CAPPED && caps().asks()) {
      return ask(capped);
    }
    return capped;
  }

  /**
   * Waits as {@code AWAITING_BUDGET} for an extension after {@code capped}, for {@code extendTimeout}
   * (a single loop's cap, or a fan-out's that keeps its next child from starting), and notifies
   * {@code budget-needed} once.
   *
   * @return {@code null} when the caps were extended, else the stop, its reason saying no one extended them
   */
  Stop ask(Stop capped) {
    Versions.mark(Versions.ASK_CAPS);
    extended = false;
    state.status(LoopStatus.AWAITING_BUDGET);
    publish.run();
    notifications.budgetNeeded(capped.reason());
    boolean answered = Approvals.await(caps().extendTimeoutValue(), "budget: " + capped.reason() + "; waits for an extend decision",
        () -> extended);
    if (!answered) {
      return new Stop(LoopStatus.CAPPED, capped.reason() + "; no one extended the budget within " + caps().extendTimeout());
    }
    state.status(state.paused() ? LoopStatus.PAUSED : LoopStatus.RUNNING);
    publish.run();
    return null;
  }

  /** Why {@code e} cannot be taken now, or {@code null}. */
  String refusal(BudgetExtension e) {
    if (state.status() != LoopStatus.AWAITING_BUDGET || extended) {
      return "the loop is not waiting for a budget extension (status " + state.status() + ")";
    }
    if (e == null || (e.maxIterations() == null && e.maxDuration() == null && e.maxCostUsd() == null)) {
      return "an extension sets maxIterations, maxDuration or maxCostUsd";
    }
    Caps next = caps().extendedBy(e.maxIterations(), e.maxDuration(), e.maxCostUsd());
    long deadline = e.maxDuration() == null ? state.deadlineMillis() : state.startedAtMillis() + next.maxDurationValue().toMillis();
    if (state.iteration() >= next.maxIterations()) {
      return "maxIterations " + next.maxIterations() + " is not above the " + state.iteration() + " iterations run";
    }
    if (Workflow.currentTimeMillis() >= deadline) {
      return "maxDuration " + next.maxDuration() + " has already passed";
    }
    if (next.maxCostUsd() != null && state.costUsd() >= next.maxCostUsd()) {
      return String.format("maxCostUsd %.2f is not above the %.2f used", next.maxCostUsd(), state.costUsd());
    }
    return null;
  }

  /** Applies a validated extension: the new limits hold at once, the timeline says who extended what. */
  void apply(BudgetExtension e) {
    Caps before = caps();
    Caps caps = before.extendedBy(e.maxIterations(), e.maxDuration(), e.maxCostUsd());
    state.caps(caps);
    if (e.maxDuration() != null) {
      state.extendDeadline(caps.maxDurationValue().toMillis());
    }
    String by = e.by() == null || e.by().isBlank() ? "someone" : e.by().strip();
    String what = "budget extended by " + by + ": "
        + (e.maxIterations() == null ? "" : "maxIterations " + before.maxIterations() + " → " + caps.maxIterations() + " ")
        + (e.maxDuration() == null ? "" : "maxDuration " + before.maxDuration() + " → " + caps.maxDuration() + " ")
        + (e.maxCostUsd() == null ? "" : "maxCostUsd " + before.maxCostUsd() + " → " + caps.maxCostUsd() + " ")
        + (e.reason() == null || e.reason().isBlank() ? "" : "(" + truncate(e.reason().strip(), 300) + ")");
    state.timeline().record(TimelineRow.event(state.iteration(), null, what.strip()));
    extended = true;
  }
}
