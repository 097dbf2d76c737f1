package dev.durableloops.api.loops;

import dev.durableloops.workflows.steps.StepOutput;

/**
 * The body of {@code GET /api/loops/{id}/output} and of the event stream's {@code output} events:
 * what the loop's running step has printed, read from the heartbeat details of its pending
 * activity in Temporal (so it comes from whichever worker runs the step).
 *
 * @param loopId the loop
 * @param running whether a step (an activity) is running now
 * @param activity the running activity's type ({@code Make}, {@code Check}, ...), or {@code null}
 * @param attempt the running activity's attempt, 1-based, or {@code 0} when none runs
 * @param output the step's last heartbeat details, or {@code null} when none runs, it runs no
 *     command or it has not heartbeated yet (a command heartbeats every 2 s)
 * @param lastHeartbeat ISO-8601 instant Temporal received the last heartbeat, or {@code null}
 */
public record LoopOutput(String loopId, boolean running, String activity, int attempt, StepOutput output, String lastHeartbeat) {

  static LoopOutput idle(String loopId) {
    return new LoopOutput(loopId, false, null, 0, null, null);
  }
}
