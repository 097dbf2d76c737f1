package dev.durableloops.workflows.steps;

import dev.durableloops.workflows.LoopErrorType;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/**
 * The loop's steps that work on its workspace and run its step commands: the contract between the
 * loop workflow and the worker holding the workspace. Activity type names are the method names
 * capitalized ({@code Prepare}, {@code Discover}, {@code Plan}, {@code Make}, {@code Check},
 * {@code Gate}, {@code Review}, {@code Checkpoint}, {@code Discard}, {@code Rollback}, {@code Reflect}), so the
 * Temporal UI history reads as the loop. What leaves the platform (webhooks, delivery) is the other
 * contract, {@link OutboundActivities}.
 *
 * <p>Every method is idempotent: each first reconciles the workspace to the commit its input names,
 * so a retry, a worker move or a Temporal Reset starts again from the same place. Methods that run
 * step commands heartbeat every 2 s; a cancelled or timed-out activity kills its process group.
 * Permanent problems raise {@code ApplicationFailure}s typed by {@link LoopErrorType}, marked
 * non-retryable.
 */
@ActivityInterface
public interface WorkspaceActivities {

  /** Clones the repository into the loop's workspace (once) and reconciles it to a commit. */
  @ActivityMethod(name = "Prepare")
  PrepareResult prepare(PrepareInput input);

  /** Runs the discover command and returns the tasks, or the goal as the only task. */
  @ActivityMethod(name = "Discover")
  DiscoverResult discover(DiscoverInput input);

  /** Writes the memory files and the prompt (or runs the plan command). */
  @ActivityMethod(name = "Plan")
  PlanResult plan(PlanInput input);

  /** Runs the maker on the checkpoint commit and commits whatever it changed as the attempt. */
  @ActivityMethod(name = "Make")
  MakeResult make(MakeInput input);

  /** Runs every check against the attempt and parses their reports. */
  @ActivityMethod(name = "Check")
  CheckResult check(CheckInput input);

  /**
   * Runs the optional reviewer and applies the gate policy; fails closed. Loops from before the lean
   * iteration only: newer ones decide in the workflow ({@link GatePolicy}) and call {@link #review}.
   */
  @ActivityMethod(name = "Gate")
  GateResult gate(GateInput input);

  /**
   * Runs the reviewer command on the attempt (the diff in {@code .loop/ATTEMPT.diff}, named by
   * {@code LOOP_DIFF_FILE}) and returns its exit code; the gate policy is the workflow's.
   */
  @ActivityMethod(name = "Review")
  ReviewResult review(ReviewInput input);

  /** Advances the work branch to the accepted attempt and tags it as checkpoint N. */
  @ActivityMethod(name = "Checkpoint")
  CheckpointResult checkpoint(CheckpointInput input);

  /**
   * Resets the workspace to the last checkpoint (hard reset and clean). Since the lean iteration the
   * {@code Reflect} step does this ({@link ReflectInput#discard()}) except when a rollback waits.
   */
  @ActivityMethod(name = "Discard")
  void discard(DiscardInput input);

  /**
   * Moves the work branch back to a checkpoint commit and reconciles the workspace to it; later
   * checkpoints keep their tags and attempt refs.
   */
  @ActivityMethod(name = "Rollback")
  void rollback(RollbackInput input);

  /** Writes the Reflexion note for a rejected iteration (or runs the reflect command). */
  @ActivityMethod(name = "Reflect")
  ReflectResult reflect(ReflectInput input);
}
