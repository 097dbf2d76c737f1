package dev.durableloops.workflows;

import dev.durableloops.workflows.state.Checkpoint;
import dev.durableloops.workflows.state.RollbackRequest;
import dev.durableloops.workflows.state.RollbackResult;

/**
 * The rollback protocol: validating a request, queueing it, and telling each {@code rollback}
 * Update when its request has been applied. The loop applies a request at the top of an iteration
 * (cancelling the iteration in flight first); {@link LoopProgress#rollBackTo} moves the state.
 * One rollback at a time: a second is refused while the first is in progress.
 */
final class Rollbacks {

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
      Checkpoint cp = state.checkpoint(n);
      if (cp == null) {
        return "there is no checkpoint " + n + "; the loop has "
            + state.checkpoints().stream().filter(c -> !c.rolledBack()).map(c -> "cp-" + c.number()).toList();
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
}
