package dev.durableloops.workflows;

import dev.durableloops.workflows.spec.Caps;
import dev.durableloops.workflows.state.LoopStatus;

import java.time.Instant;

/**
 * The loop's caps and its no-progress breaker, checked before every iteration. The order is the
 * order a human would want to hear about: a stall first (the loop is going nowhere), then the
 * iteration, time and cost caps.
 */
final class CapBreaker {

  private CapBreaker() {}

  /**
   * The stop a cap calls for, or {@code null} when the loop may go on.
   *
   * @param caps the spec's caps (normalized)
   * @param state the loop's state
   * @param nowMillis workflow time, epoch milliseconds
   */
  static Stop check(Caps caps, LoopProgress state, long nowMillis) {
    if (state.repeatedFailures() >= caps.maxRepeatedFailures()) {
      return new Stop(LoopStatus.STALLED, "stalled: the same failure (" + state.lastSignature() + ") repeated "
          + state.repeatedFailures() + " times in a row (maxRepeatedFailures=" + caps.maxRepeatedFailures() + ")");
    }
    if (state.iteration() >= caps.maxIterations()) {
      return new Stop(LoopStatus.CAPPED, "reached maxIterations=" + caps.maxIterations());
    }
    if (nowMillis >= state.deadlineMillis()) {
      return new Stop(LoopStatus.CAPPED,
          "reached maxDuration=" + caps.maxDuration() + " (deadline " + Instant.ofEpochMilli(state.deadlineMillis()) + ")");
    }
    if (caps.maxCostUsd() != null && state.costUsd() >= caps.maxCostUsd()) {
      return new Stop(LoopStatus.CAPPED, String.format("reached maxCostUsd=%.2f (used %.2f)", caps.maxCostUsd(), state.costUsd()));
    }
    return null;
  }
}
