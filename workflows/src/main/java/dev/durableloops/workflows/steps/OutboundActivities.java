package dev.durableloops.workflows.steps;

import dev.durableloops.workflows.LoopErrorType;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/**
 * The loop's steps that reach outside the platform: its events to webhooks ({@code Notify}) and its
 * work to its repository and the deliver command ({@code Deliver}). The other contract,
 * {@link WorkspaceActivities}, covers the workspace and the step commands.
 *
 * <p>{@code Notify} runs on the loop's own task queue (any worker); {@code Deliver} needs the
 * workspace and so runs on the task queue of the worker holding it, like the workspace steps.
 * Permanent problems raise {@code ApplicationFailure}s typed by {@link LoopErrorType}.
 */
@ActivityInterface
public interface OutboundActivities {

  /**
   * Posts a loop event to every webhook (the spec's and the worker's configured ones), signed with
   * an HMAC-SHA256 of the configured secret. A webhook that does not answer 2xx fails the attempt,
   * and Temporal retries it with backoff; webhooks already reached are not posted again.
   */
  @ActivityMethod(name = "Notify")
  void announce(NotifyInput input);

  /**
   * Hands the loop's work over: pushes its head to its repository as a branch and runs the deliver
   * command, if any. Reports failure in the result; throws only when the workspace is unusable.
   * Idempotent like the workspace steps: it first reconciles the workspace to the commit it names.
   */
  @ActivityMethod(name = "Deliver")
  DeliverResult deliver(DeliverInput input);
}
