package dev.durableloops.workflows.steps;

import dev.durableloops.workflows.LoopErrorType;
import dev.durableloops.workflows.state.Checkpoint;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/**
 * The contract between the loop workflow and its side effects. Activity type names are the method
 * names capitalized ({@code Discover}, {@code Plan}, {@code Make}, {@code Check}, {@code Gate},
 * {@code Reflect}, plus {@code Prepare}, {@code Checkpoint}, {@code Discard} and {@code Rollback}), so the Temporal
 * UI history reads as the loop.
 *
 * <p>Every method is idempotent: each first reconciles the workspace to the commit its input names,
 * so a retry, a worker move or a Temporal Reset starts again from the same place. Methods that run
 * commands heartbeat every 2 s; a cancelled or timed-out activity kills its process group.
 * Permanent problems raise {@code ApplicationFailure}s typed by {@link LoopErrorType}, marked
 * non-retryable.
 */
@ActivityInterface
public interface LoopActivities {

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

  /** Runs the optional reviewer and applies the gate policy; fails closed. */
  @ActivityMethod(name = "Gate")
  GateResult gate(GateInput input);

  /** Advances the work branch to the accepted attempt and tags it as checkpoint N. */
  @ActivityMethod(name = "Checkpoint")
  CheckpointResult checkpoint(CheckpointInput input);

  /** Resets the workspace to the last checkpoint (hard reset and clean). */
  @ActivityMethod(name = "Discard")
  void discard(DiscardInput input);

  /**
   * Moves the work branch back to a checkpoint commit and reconciles the workspace to it; later
   * checkpoints keep their tags and attempt refs.
   */
  @ActivityMethod(name = "Rollback")
  void rollback(RollbackInput input);

  /**
   * Hands the loop's work over: pushes its head to its repository as a branch and runs the deliver
   * command, if any. Reports failure in the result; throws only when the workspace is unusable.
   */
  /**
   * Posts a loop event to every webhook (the spec's and the worker's configured ones), signed with
   * an HMAC-SHA256 of the configured secret. A webhook that does not answer 2xx fails the attempt,
   * and Temporal retries it with backoff; webhooks already reached are not posted again.
   */
  @ActivityMethod(name = "Notify")
  void announce(NotifyInput input);

  @ActivityMethod(name = "Deliver")
  DeliverResult deliver(DeliverInput input);

  /** Writes the Reflexion note for a rejected iteration (or runs the reflect command). */
  @ActivityMethod(name = "Reflect")
  ReflectResult reflect(ReflectInput input);
}
