package dev.durableloops.workflows;

import dev.durableloops.workflows.spec.ApprovalTimeoutAction;
import dev.durableloops.workflows.spec.GateSpec;
import dev.durableloops.workflows.state.Decision;
import dev.durableloops.workflows.state.DecisionKind;
import dev.durableloops.workflows.state.DecisionResult;
import dev.durableloops.workflows.state.LoopStatus;
import dev.durableloops.workflows.state.PendingDecision;
import dev.durableloops.workflows.state.Verdict;
import dev.durableloops.workflows.steps.GateResult;
import dev.durableloops.workflows.steps.MakeResult;

import io.temporal.workflow.Promise;
import io.temporal.workflow.TimerOptions;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;

/**
 * The approval protocol: the pending decision, the validation of a human's answer, and the wait
 * with its timeout. A decision must name the pending attempt's diff hash, so nobody approves a diff
 * they have not seen; it arrives as the {@code decide} Update or the {@code decision} Signal.
 *
 * <p>The wait ends at {@code approvalTimeout} or at the loop's {@code maxDuration} deadline,
 * whichever comes first. On an approval timeout, {@code REJECT} rejects the attempt and
 * {@code PAUSE} pauses the loop (status {@code PAUSED}, no deadline of its own) until a decision, a
 * {@code resume} (which waits for the decision again, {@code AWAITING_APPROVAL} with a fresh
 * {@code approvalTimeout}) or the loop's deadline. A {@code pause} during the wait takes effect
 * after the decision, before the next iteration.
 */
final class Approvals {

  private static final Logger log = Workflow.getLogger(Approvals.class);

  /**
   * How a wait for a human ended.
   *
   * @param decision the human's decision, or {@code null} when a timeout or the deadline rejected
   *     the attempt
   * @param reason the sentence recorded in the timeline
   */
  record Outcome(Decision decision, String reason) {

    /** The verdict the wait stands for. */
    Verdict verdict() {
      return decision != null && decision.decision() == DecisionKind.APPROVE ? Verdict.ACCEPT : Verdict.REJECT;
    }

    /** The human's comment, or {@code null}. */
    String comment() {
      return decision == null ? null : decision.comment();
    }
  }

  /**
   * How long a wait for a human may last from now: {@code approvalTimeout}, or what is left of the
   * loop's {@code maxDuration} when that ends first.
   */
  private record Window(Duration length, boolean deadlineFirst) {

    static Window now(LoopProgress state, Duration timeout) {
      long remaining = state.deadlineMillis() - Workflow.currentTimeMillis();
      boolean deadlineFirst = remaining < timeout.toMillis();
      return new Window(deadlineFirst ? Duration.ofMillis(Math.max(remaining, 0)) : timeout, deadlineFirst);
    }

    /** The ISO-8601 instant the wait ends, in workflow time. */
    String deadline() {
      return Instant.ofEpochMilli(Workflow.currentTimeMillis() + length.toMillis()).toString();
    }
  }

  private PendingDecision pending;
  private Decision answer;
  private String lastOutcome;
  private boolean resumeAsked;

  /** The attempt waiting for a human, or {@code null}. */
  PendingDecision pending() {
    return pending;
  }

  /** Why {@code decision} cannot be taken now, or {@code null} when it can. */
  String problem(Decision decision) {
    if (decision == null || decision.decision() == null) {
      return "a decision needs \"decision\": APPROVE or REJECT";
    }
    if (pending == null || answer != null) {
      return "no decision is pending" + (lastOutcome == null ? "" : "; the last one was: " + lastOutcome);
    }
    if (decision.attempt() != null && pending.attempts() != null) {
      PendingDecision.Choice choice = pending.choice(decision.attempt());
      if (choice == null) {
        return "the decision names attempt " + decision.attempt() + " but the attempts of iteration " + pending.iteration()
            + " that passed the gate are " + pending.attempts().stream().map(c -> Integer.toString(c.attempt())).toList();
      }
      if (decision.diffHash() == null || !decision.diffHash().equals(choice.diffHash())) {
        return "the decision names diff " + decision.diffHash() + " but attempt " + choice.attempt() + " of iteration "
            + pending.iteration() + " has diff " + choice.diffHash();
      }
      return null;
    }
    if (decision.diffHash() == null || !decision.diffHash().equals(pending.diffHash())) {
      return "the decision names diff " + decision.diffHash() + " but the pending attempt of iteration "
          + pending.iteration() + " has diff " + pending.diffHash();
    }
    return null;
  }

  /** Takes a validated decision; the wait sees it at its next check. */
  DecisionResult take(Decision decision) {
    answer = decision;
    return new DecisionResult(
        pending.iteration(),
        decision.decision(),
        decision.decision() == DecisionKind.APPROVE
            ? "approved; the attempt becomes the next checkpoint"
            : "rejected; the workspace goes back to the last checkpoint and the loop reflects");
  }

  /**
   * A {@code resume} arrived: when an approval timeout paused the pending decision, it is awaited
   * again with a fresh {@code approvalTimeout}; otherwise this changes nothing here.
   */
  void resume() {
    if (pending != null && pending.deadline() == null) {
      resumeAsked = true;
    }
  }

  /** Forgets the pending decision of an iteration a rollback abandoned. */
  void abandon() {
    pending = null;
    answer = null;
  }

  /**
   * Waits for a human's decision on the attempt.
   *
   * @param state the loop's state; its status follows the wait ({@code AWAITING_APPROVAL}, then
   *     {@code PAUSED} on a pausing timeout, then {@code RUNNING})
   * @param gate the gate spec (approval timeout and what it does)
   * @param maxDuration the loop's wall-time cap as written, for the reason
   * @param publish called whenever the status changes
   */
  Outcome await(LoopProgress state, MakeResult made, GateResult gated, GateSpec gate, String maxDuration, Runnable publish) {
    return await(state, made, gated, gate, maxDuration, publish, null);
  }

  /**
   * {@link #await(LoopProgress, MakeResult, GateResult, GateSpec, String, Runnable)} for an iteration
   * of several attempts: the pending decision lists {@code choices}, every attempt that passed the
   * gate, and a decision may approve any of them by its diff hash.
   */
  Outcome await(LoopProgress state, MakeResult made, GateResult gated, GateSpec gate, String maxDuration, Runnable publish,
      java.util.List<PendingDecision.Choice> choices) {
    int iteration = state.iteration();
    Duration timeout = gate.approvalTimeoutDuration();
    Window window = Window.now(state, timeout);
    boolean deadlineFirst = window.deadlineFirst();
    pending = new PendingDecision(
        iteration, made.attemptCommit(), made.diffHash(), made.diffStat(), gated.passed(), window.deadline(), choices);
    answer = null;
    long waitStarted = Workflow.currentTimeMillis();
    state.status(LoopStatus.AWAITING_APPROVAL);
    publish.run();
    boolean decided = await(window.length(), "approval of iteration " + iteration + ": waits for a human"
        + (window.deadlineFirst() ? " until the loop's maxDuration" : " for the approvalTimeout " + timeout), () -> answer != null);
    if (!decided && !deadlineFirst && gate.onApprovalTimeout() == ApprovalTimeoutAction.PAUSE) {
      Versions.mark(Versions.RESUMABLE_PAUSE);
      while (true) {
        state.status(LoopStatus.PAUSED);
        pending = pending.withDeadline(null);
        resumeAsked = false;
        log.info("approval for iteration {} timed out after {}; pausing until a decision", iteration, timeout);
        publish.run();
        long left = state.deadlineMillis() - Workflow.currentTimeMillis();
        decided = await(Duration.ofMillis(Math.max(left, 0)), "approval of iteration " + iteration
            + " timed out: paused until a decision, resume or the loop's maxDuration", () -> answer != null || resumeAsked);
        if (answer != null || !decided) {
          deadlineFirst = !decided;
          break;
        }
        // Resumed: the attempt waits for a human again, with a fresh approvalTimeout.
        resumeAsked = false;
        Window again = Window.now(state, timeout);
        pending = pending.withDeadline(again.deadline());
        state.status(LoopStatus.AWAITING_APPROVAL);
        log.info("resumed: approval for iteration {} awaited again for {}", iteration, again.length());
        publish.run();
        decided = await(again.length(), "approval of iteration " + iteration + " after resume: waits for a human", () -> answer != null);
        if (decided || again.deadlineFirst()) {
          deadlineFirst = !decided;
          break;
        }
      }
    }
    Decision decision = answer;
    // Through Temporal's metrics scope, which emits nothing while a history is replayed.
    Workflow.getMetricsScope().tagged(java.util.Map.of("outcome", decided && decision != null ? "decided" : "timed_out"))
        .timer("loop_approval_wait").record(com.uber.m3.util.Duration.ofMillis(Workflow.currentTimeMillis() - waitStarted));
    pending = null;
    answer = null;
    state.status(LoopStatus.RUNNING);
    if (decided && decision != null) {
      String by = decision.by() == null || decision.by().isBlank() ? "a human" : decision.by();
      lastOutcome =
          (decision.decision() == DecisionKind.APPROVE ? "approved by " : "rejected by ")
              + by
              + (gated.passed() ? "" : " (the gate had failed: " + gated.reason() + ")")
              + (decision.comment() == null || decision.comment().isBlank() ? "" : ": " + decision.comment());
      publish.run();
      return new Outcome(decision, lastOutcome);
    }
    lastOutcome =
        deadlineFirst
            ? "the loop's maxDuration " + maxDuration + " ended while waiting for approval of iteration " + iteration + "; attempt rejected"
            : "no decision within approvalTimeout " + gate.approvalTimeout() + " for iteration " + iteration
                + "; attempt rejected (onApprovalTimeout=REJECT)";
    log.info(lastOutcome);
    publish.run();
    return new Outcome(null, lastOutcome);
  }

  /**
   * {@code Workflow.await(timeout, condition)} with a summary on its timer, which the Temporal UI
   * shows on the timer in the loop's history. The same commands as the SDK's own await in SDK 1.38
   * (whose CANCEL_AWAIT_TIMER_ON_CONDITION flag is off by default, as the recorded histories show):
   * a timer, left to fire when the condition resolves first. The recorded histories, replayed in
   * every build, guard that.
   *
   * @return whether the condition resolved before the timeout
   */
  static boolean await(Duration timeout, String summary, java.util.function.Supplier<Boolean> condition) {
    Promise<Void> timer = Workflow.newTimer(timeout, TimerOptions.newBuilder().setSummary(summary).build());
    Workflow.await(() -> timer.isCompleted() || condition.get());
    return !timer.isCompleted();
  }
}
