package dev.durableloops.workflows;

import static dev.durableloops.workflows.Texts.shortId;

import dev.durableloops.workflows.state.Checkpoint;
import dev.durableloops.workflows.state.Phase;
import dev.durableloops.workflows.state.RollbackRequest;
import dev.durableloops.workflows.state.RollbackResult;
import dev.durableloops.workflows.steps.RollbackInput;

import io.temporal.workflow.Workflow;
import java.util.function.Consumer;
import org.slf4j.Logger;

/**
 * The rollback protocol: validating a request, queueing it, and telling each {@code rollback}
 * Update when its request has been applied. The loop applies a request at the top of an iteration
 * (cancelling the iteration in flight first) with {@link #apply}: the {@code Rollback} step moves
 * the workspace, {@link Checkpoints#rollBackTo} the state.
 * One rollback at a time: a second is refused while the first is in progress.
 */
final class Rollbacks {

  private static final Logger log = Workflow.getLogger(Rollbacks.class);

  private RollbackRequest request;
  private int requested;
  private int applied;
  private RollbackResult last;

  /** Why {@code candidate} cannot be applied to the loop as it stands, or {@code null}. */
  String problem(RollbackRequest candidate, LoopProgress state) {
    if (candidate == null || candidate.checkpoint() == null || candidate.checkpoint() < 0) {
      return "a rollback needs \"checkpoint\": 0 (the base commit) or a checkpoint number";
    }
    if (state.status().isTerminal()) {
      return "the loop has ended (" + state.status() + ")";
    }
    if (request != null) {
      return "a rollback to checkpoint " + request.checkpoint() + " is already in progress";
    }
    int n = candidate.checkpoint();
    if (n > 0) {
      Checkpoint cp = state.checkpoints().get(n);
      if (cp == null) {
        return "there is no checkpoint " + n + "; the loop has "
            + state.checkpoints().all().stream().filter(c -> !c.rolledBack()).map(c -> "cp-" + c.number()).toList();
      }
      if (cp.rolledBack()) {
        return "checkpoint " + n + " was itself rolled back";
      }
    }
    return null;
  }

  /** Queues a validated request; returns its ticket for {@link #isApplied}. */
  int request(RollbackRequest candidate) {
    request = candidate;
    return ++requested;
  }

  /** Whether a request waits to be applied. */
  boolean isPending() {
    return request != null;
  }

  /** The request waiting to be applied, or {@code null}. */
  RollbackRequest pending() {
    return request;
  }

  /** Records that the pending request was applied with {@code result}. */
  void applied(RollbackResult result) {
    last = result;
    request = null;
    applied++;
  }

  /** Whether the request with {@code ticket} has been applied. */
  boolean isApplied(int ticket) {
    return applied >= ticket;
  }

  /** The result of the last applied rollback. */
  RollbackResult last() {
    return last;
  }

  /**
   * Applies the pending request: the workspace goes to the target's commit (on the worker holding
   * it), then the state; a waiting {@code rollback} Update is answered.
   *
   * @param enter enters a phase (and publishes it): {@code ROLLBACK}, then {@code DISCOVER}
   */
  void apply(LoopProgress state, Consumer<Phase> enter) {
    int target = request.checkpoint();
    String commit = target == 0 ? state.baseCommit() : state.checkpoints().get(target).commit();
    enter.accept(Phase.ROLLBACK);
    Steps.step("to " + (target == 0 ? "the base commit " : "cp-" + target + " ") + shortId(commit), Steps.STEP_MARGIN, false,
            state.host())
        .rollback(new RollbackInput(state.loopId(), commit));
    String why = request.reason() == null || request.reason().isBlank() ? "no reason given" : request.reason().strip();
    applied(state.checkpoints().rollBackTo(target, commit, why));
    log.info("rolled back to checkpoint {} ({}): {}", target, commit, why);
    enter.accept(Phase.DISCOVER);
  }
}
