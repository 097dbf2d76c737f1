package dev.durableloops.workflows;

import static dev.durableloops.workflows.Steps.STEP_MARGIN;
import static dev.durableloops.workflows.Texts.shortId;
import static dev.durableloops.workflows.Texts.truncate;

import dev.durableloops.workflows.spec.CheckSpec;
import dev.durableloops.workflows.spec.LoopSpec;
import dev.durableloops.workflows.state.BacklogTask;
import dev.durableloops.workflows.state.LoopStatus;
import dev.durableloops.workflows.state.Phase;
import dev.durableloops.workflows.state.Reflection;
import dev.durableloops.workflows.state.TimelineRow;
import dev.durableloops.workflows.state.Verdict;
import dev.durableloops.workflows.steps.CheckpointResult;
import dev.durableloops.workflows.steps.DeliverResult;
import dev.durableloops.workflows.steps.LandInput;
import dev.durableloops.workflows.steps.LandResult;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * A fan-out's merge queue ({@link FanOut}): settles each child that ended, its cost first, then its
 * landing or its bounce.
 *
 * <p>An accepted child (it ended {@code SUCCEEDED} with a checkpoint) lands through one {@code Land}
 * at a time on the parent's workspace worker, which merges, checks the merged result and moves the
 * branch by compare-and-swap; a landing is a parent checkpoint and a timeline row, and with
 * {@code deliver.onCheckpoint} (in a run that takes {@link Versions#FLEET_DURABLE}) it is delivered
 * before the next landing. A conflict, a red merged result or a child that did not succeed is a
 * bounce: a timeline row, a reflection naming the evidence, and the task goes back to the backlog
 * for a fresh child; after {@code caps.maxRepeatedFailures} bounces the task is set aside.
 */
final class FleetLanding {

  private final LoopSpec spec;
  private final LoopProgress state;
  private final FleetBook book;
  private final Workspaces workspaces;
  private final Consumer<Phase> phase;
  private final Deliveries deliveries;
  /** Whether each landing is handed to {@link Deliveries#atCheckpoint} (a run that takes {@link Versions#FLEET_DURABLE}). */
  private final boolean deliverEach;

  FleetLanding(LoopSpec spec, LoopProgress state, FleetBook book, Workspaces workspaces, Consumer<Phase> phase, Deliveries deliveries,
      boolean deliverEach) {
    this.spec = spec;
    this.state = state;
    this.book = book;
    this.workspaces = workspaces;
    this.phase = phase;
    this.deliveries = deliveries;
    this.deliverEach = deliverEach;
  }

  /** Settles an ended child: its cost, then its landing or its bounce. Returns whether it landed. */
  boolean settle(FanOut.Child child) {
    book.fleet().reservedUsd = Math.max(0, book.fleet().reservedUsd - child.reservedUsd());
    LoopOutcome outcome = child.result().getFailure() == null ? child.result().get() : null;
    double cost = outcome == null ? 0 : outcome.costUsd();
    state.spent(cost, 0);
    book.child(child.workflowId(), "FAILED", null, cost);
    if (outcome == null || outcome.status() != LoopStatus.SUCCEEDED || outcome.checkpoints() == 0) {
      String why = outcome == null ? "child " + child.workflowId() + " failed: " + truncate(String.valueOf(child.result().getFailure().getMessage()), 300)
          : "child " + child.workflowId() + " ended " + outcome.status() + " without an accepted change: " + truncate(outcome.stopReason(), 300);
      bounce(child, why, why);
      return false;
    }
    phase.accept(Phase.CHECKPOINT);
    int number = state.checkpoints().nextNumber();
    List<CheckSpec> required = spec.checks().stream().filter(CheckSpec::requiredOrDefault).toList();
    Duration timeout = required.stream().map(CheckSpec::timeoutDuration).reduce(STEP_MARGIN, Duration::plus);
    LandResult land = workspaces.onHost(() -> Steps.landing("land " + child.workflowId() + " at " + shortId(outcome.headCommit()) + " onto "
            + shortId(state.headCommit()), timeout, state.host())
        .land(new LandInput(state.stepContext(spec, state.headCommit()), LoopIds.storeName(child.workflowId()), outcome.headCommit(),
            number, child.task(), required)), phase);
    if (land.landed()) {
      state.checkpoints().taken(number, new CheckpointResult(land.head(), land.tag()), null, false, state.now());
      // Delivering at each checkpoint: the repository is read back at the landed head before the next landing.
      DeliverResult delivered = deliverEach ? deliveries.atCheckpoint(number) : null;
      book.replace(book.task(child.taskId()).with(BacklogTask.Status.DONE, book.task(child.taskId()).attempts(), number, null));
      book.child(child.workflowId(), "LANDED", number, cost);
      state.timeline().record(TimelineRow.event(state.iteration(), Verdict.ACCEPT, "landed task '" + truncate(child.task(), 200)
          + "' from " + child.workflowId() + " as checkpoint " + number + " (" + shortId(land.head()) + "): " + land.reason()
          + (delivered == null ? "" : delivered.succeeded() ? "; delivered" + (delivered.pushed() ? " and confirmed as " + delivered.branch()
              + " in the repository" : "")
              : "; not delivered: " + truncate(delivered.error(), 300))));
      return true;
    }
    StringBuilder note = new StringBuilder("The change for task '" + truncate(child.task(), 300) + "' (child " + child.workflowId()
        + ") did not land: " + land.reason() + ".");
    if (!land.conflicts().isEmpty()) {
      note.append(" Conflicting files: ").append(String.join(", ", land.conflicts())).append('.');
    }
    if (land.cause() != null) {
      note.append(" The landed change they conflict with: ").append(land.cause()).append('.');
    }
    if (land.checked() != null && land.checked().failureSignature() != null) {
      note.append(" Failing on the merged result: ").append(truncate(land.checked().failureSignature(), 500)).append('.');
    }
    book.child(child.workflowId(), "BOUNCED", null, cost);
    note.append(" Start again from the current head ").append(shortId(state.headCommit())).append(" and keep the landed change.");
    bounce(child, note.toString(), "bounced " + child.workflowId() + ": " + land.reason()
        + (land.conflicts().isEmpty() ? "" : " (" + String.join(", ", land.conflicts()) + ")"));
    return false;
  }

  /**
   * Sends a child's task back: the reflection its next child is handed, a timeline row, and the task
   * left for a fresh child, or set aside after {@code caps.maxRepeatedFailures} children.
   */
  private void bounce(FanOut.Child child, String reflection, String row) {
    Reflection r = new Reflection(state.iteration(), truncate(reflection, 4_000), "land:" + child.taskId(), false);
    state.reflect(r);
    book.bounced(child.taskId(), r);
    state.timeline().record(TimelineRow.event(state.iteration(), Verdict.REJECT, row));
    BacklogTask t = book.task(child.taskId());
    if (t.attempts() >= state.caps().maxRepeatedFailures()) {
      book.replace(t.with(BacklogTask.Status.SET_ASIDE, t.attempts(), null, "did not land after " + t.attempts() + " children; last: "
          + truncate(row, 300)));
      state.timeline().record(TimelineRow.event(state.iteration(), Verdict.REJECT, "set aside task '" + truncate(t.title(), 200)
          + "' after " + t.attempts() + " children (maxRepeatedFailures=" + state.caps().maxRepeatedFailures() + ")"));
    } else {
      book.replace(t.with(BacklogTask.Status.LEFT, t.attempts(), null, null));
    }
  }
}
