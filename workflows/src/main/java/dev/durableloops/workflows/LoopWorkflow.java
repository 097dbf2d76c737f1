package dev.durableloops.workflows;

import dev.durableloops.workflows.spec.LoopSpec;
import dev.durableloops.workflows.state.Decision;
import dev.durableloops.workflows.state.Budget;
import dev.durableloops.workflows.state.BudgetExtension;
import dev.durableloops.workflows.state.DecisionResult;
import dev.durableloops.workflows.state.LoopState;
import dev.durableloops.workflows.state.Note;
import dev.durableloops.workflows.state.RollbackRequest;
import dev.durableloops.workflows.state.RollbackResult;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.UpdateMethod;
import io.temporal.workflow.UpdateValidatorMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One loop: iterations of Discover → Plan → Make → Check → Gate → Reflect until the verification
 * condition holds or a cap stops it. The workflow id is {@code loop-<name>}.
 *
 * <p>Human decisions arrive as the {@code decide} Update (validated, answered synchronously) or the
 * {@code decision} Signal, which the Temporal UI and CLI can send: payload
 * {@code {"decision": "APPROVE", "diffHash": "<pendingDecision.diffHash>", "comment": "…"}}.
 * In Java the Signal form of an Update is named after it with {@code BySignal}
 * ({@link #decideBySignal}, {@link #extendBySignal}); the Temporal names stay as written in each
 * annotation.
 */
@WorkflowInterface
public interface LoopWorkflow {

  /**
   * Runs the loop.
   *
   * @return the outcome of a loop that ended {@code SUCCEEDED}, {@code CAPPED} or {@code STALLED}
   * @throws io.temporal.failure.ApplicationFailure (as the workflow's failure) when a step failed
   *     permanently; the loop's status is then {@code FAILED} with the reason
   */
  @WorkflowMethod(name = "LoopWorkflow")
  LoopOutcome run(LoopInput input);

  /** The loop's current state. */
  @QueryMethod(name = "state")
  LoopState state();

  /** Approves or rejects the pending attempt; answers once the decision is recorded. */
  @UpdateMethod(name = "decide")
  DecisionResult decide(Decision decision);

  /**
   * Refuses a decision when nothing is pending or it names another attempt's diff hash.
   *
   * @throws IllegalArgumentException with the reason
   */
  @UpdateValidatorMethod(updateName = "decide")
  void validateDecide(Decision decision);

  /**
   * Extends the budget of a loop {@code AWAITING_BUDGET} (a cap reached with {@code onCap: ASK}):
   * the new limits apply at once and the loop goes on. Answers the budget as it now is.
   */
  @UpdateMethod(name = "extend")
  Budget extend(BudgetExtension extension);

  /**
   * Refuses an extension when the loop is not waiting for one, sets no limit, or leaves the loop at
   * its cap.
   *
   * @throws IllegalArgumentException with the reason
   */
  @UpdateValidatorMethod(updateName = "extend")
  void validateExtend(BudgetExtension extension);

  /**
   * The Signal form of {@link #extend}, Temporal name {@code extendBudget} (from the Temporal UI or
   * CLI; a bad one is ignored with a logged reason).
   */
  @SignalMethod(name = "extendBudget")
  void extendBySignal(BudgetExtension extension);

  /** The loop spec as normalized at start. */
  @QueryMethod(name = "spec")
  LoopSpec spec();

  /**
   * What a fork from checkpoint {@code checkpoint} of this loop starts with: the checkpoint's
   * commit, the reflections written up to it (told apart by count, so continue-as-new compaction
   * does not shift them), the human notes and the checkpoint's metric. {@code 0} is the base commit,
   * with no reflections.
   *
   * @throws IllegalArgumentException when there is no such checkpoint
   */
  @QueryMethod(name = "forkSeed")
  ForkSeed forkSeed(int checkpoint);

  /**
   * What a fork from attempt {@code attempt} of best-of-N iteration {@code iteration} starts with: that
   * attempt's commit (the gate's pick or a loser), with the reflections, notes of a fork from the
   * checkpoint it started from and a reflection naming the attempt.
   *
   * @throws IllegalArgumentException when the timeline has no such finished attempt
   */
  @QueryMethod(name = "attemptForkSeed")
  ForkSeed attemptForkSeed(int iteration, int attempt);

  /**
   * Moves the loop back to checkpoint N, workflow state and workspace together: the running
   * iteration (if any) is cancelled and its processes killed, the work branch and workspace go to
   * cp-N's commit, later checkpoints are marked rolled back, and a reflection records why.
   * Iterations and budget used are kept. Answers once it is done.
   */
  @UpdateMethod(name = "rollback")
  RollbackResult rollback(RollbackRequest request);

  /**
   * Refuses a rollback to a checkpoint that does not exist or was itself rolled back, or while
   * another rollback is in progress.
   *
   * @throws IllegalArgumentException with the reason
   */
  @UpdateValidatorMethod(updateName = "rollback")
  void validateRollback(RollbackRequest request);

  /** The Signal form of {@link #decide}, Temporal name {@code decision}; an invalid decision is logged and ignored. */
  @SignalMethod(name = "decision")
  void decideBySignal(Decision decision);

  /** Pauses the loop before its next iteration. */
  @SignalMethod(name = "pause")
  void pause();

  /** Resumes a paused loop. */
  @SignalMethod(name = "resume")
  void resume();

  /** Adds a human note to the loop's memory. */
  @SignalMethod(name = "addNote")
  void addNote(Note note);
}
