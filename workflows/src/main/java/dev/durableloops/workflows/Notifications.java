package dev.durableloops.workflows;

import dev.durableloops.workflows.spec.LoopSpec;
import dev.durableloops.workflows.state.LoopStatus;
import dev.durableloops.workflows.state.PendingDecision;
import dev.durableloops.workflows.state.SelectionReport;
import dev.durableloops.workflows.steps.NotifyInput;

import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;

/**
 * The notification protocol ({@link Versions#NOTIFY}): a {@code Notify} activity when the loop
 * waits for approval ({@code approval-needed}), before that approval times out
 * ({@code approval-reminder}, at {@code notify.reminderAt} of the wait), when a cap asks for more
 * budget ({@code budget-needed}), when the gate kept one of several attempts without a person
 * ({@code attempts-selected}) and when the loop ends ({@code ended}). A notification that cannot
 * be delivered within {@link Steps#NOTIFY_WITHIN} is logged, never thrown: the loop goes on.
 */
final class Notifications {

  private static final Logger log = Workflow.getLogger(Notifications.class);

  private final LoopSpec spec;
  private final LoopProgress state;
  private boolean marked;
  /** The selection report of the iteration whose approval is announced, or {@code null}. */
  private SelectionReport selection;

  Notifications(LoopSpec spec, LoopProgress state) {
    this.spec = spec;
    this.state = state;
  }

  /** Records the marker where the run's first notification would go (once per run). */
  private void mark() {
    if (!marked) {
      Versions.mark(Versions.NOTIFY);
      marked = true;
    }
  }

  /**
   * Announces the approval wait of {@code iteration} beside it (a workflow thread of its own, so a
   * receiver that is down never holds the loop): once the decision is pending, an
   * {@code approval-needed} event; at {@code notify.reminderAt} of the wait, if it is still
   * pending, an {@code approval-reminder}.
   */
  void approvalNeeded(int iteration, Approvals approvals) {
    approvalNeeded(iteration, approvals, null);
  }

  /**
   * {@link #approvalNeeded(int, Approvals)} for an iteration of several attempts: the approval events
   * carry its {@code selection} report.
   */
  void approvalNeeded(int iteration, Approvals approvals, SelectionReport selection) {
    this.selection = selection;
    mark();
    Async.procedure(() -> {
      Workflow.await(() -> approvals.pending() != null);
      PendingDecision pending = approvals.pending();
      send("approval-needed", "iteration " + iteration + " waits for approval", pending, null);
      if (pending.deadline() == null) {
        return;
      }
      long waitMillis = Instant.parse(pending.deadline()).toEpochMilli() - Workflow.currentTimeMillis();
      Duration reminder = Duration.ofMillis((long) (Math.max(waitMillis, 0) * spec.notifications().reminderAt()));
      boolean decided = Approvals.await(reminder, "approval reminder of iteration " + iteration,
          () -> approvals.pending() == null || approvals.pending().iteration() != iteration);
      if (!decided && approvals.pending() != null && approvals.pending().deadline() != null) {
        send("approval-reminder", "iteration " + iteration + " still waits; the approval times out at " + approvals.pending().deadline(),
            approvals.pending(), null);
      }
    });
  }

  /**
   * Says which attempt of a best-of-N {@code iteration} the gate kept and why, when it decided
   * without a person ({@code attempts-selected}, with the {@code selection} report and the gate's
   * {@code verdict} as its reason), beside the loop (a workflow thread of its own).
   */
  void attemptsSelected(int iteration, String verdict, SelectionReport selection) {
    mark();
    Async.procedure(() -> deliver("attempts-selected", "iteration " + iteration + " kept attempt " + selection.winner(), iteration,
        verdict, selection));
  }

  /** Says a cap was reached and waits for an extension, beside the wait. */
  void budgetNeeded(String reason) {
    mark();
    Async.procedure(() -> send("budget-needed", reason, null, reason));
  }

  /** Says the loop ended, and waits for it to be said (retried for up to {@link Steps#NOTIFY_WITHIN}). */
  void ended(LoopStatus status, String reason) {
    mark();
    send("ended", "ended " + status, null, reason);
  }

  private void send(String event, String summary, PendingDecision pending, String reason) {
    announce(event, summary, new NotifyInput(event, Workflow.getInfo().getWorkflowId(), spec.goal(),
        state.status().name(), pending != null ? pending.iteration() : state.iteration(), reason,
        pending == null ? null : pending.diffStat(), pending == null ? null : pending.deadline(), spec.notifications().webhooks(),
        pending == null || pending.attempts() == null ? null : selection));
  }

  private void deliver(String event, String summary, int iteration, String reason, SelectionReport report) {
    announce(event, summary, new NotifyInput(event, Workflow.getInfo().getWorkflowId(), spec.goal(), state.status().name(), iteration,
        reason, null, null, spec.notifications().webhooks(), report));
  }

  private void announce(String event, String summary, NotifyInput input) {
    try {
      Steps.notifier(event + ": " + summary).announce(input);
    } catch (ActivityFailure e) {
      if (CancellationScope.current().isCancelRequested()) {
        throw e;
      }
      log.warn("loop {}: {} notification not delivered: {}", state.loopId(), event, StepFailures.describe(e));
    }
  }
}
