package dev.durableloops.workflows;

import dev.durableloops.workflows.spec.Caps;
import dev.durableloops.workflows.spec.DeliverSpec;
import dev.durableloops.workflows.spec.LoopSpec;
import dev.durableloops.workflows.spec.NotifySpec;

/**
 * What a fan-out's child loop is given ({@link FanOut}): the parent's spec for one task, with caps
 * within the parent's. Pure, so a replay computes the same child.
 */
final class FleetChildren {

  private final LoopSpec parent;

  /** @param parent the parent's normalized spec */
  FleetChildren(LoopSpec parent) {
    this.parent = parent;
  }

  /**
   * The child's spec for {@code task}: the parent's goal with the task below it, no discover, no
   * fan-out, no delivery and no webhooks of its own (the parent lands and delivers), the parent's
   * maker, checks, review, gate, environment and sandbox, and {@link #childCaps} of {@code caps}.
   */
  LoopSpec childSpec(String task, Caps caps, Double costCap, java.time.Duration timeLeft) {
    String goal = Texts.truncate(parent.goal() + "\n\nTask (one of a fan-out): " + task, 10_000);
    return new LoopSpec(parent.name(), goal, parent.workspace(), null, parent.plan(), parent.make(), parent.checks(), parent.review(),
        parent.reflect(), parent.gate(), childCaps(caps, costCap, timeLeft), parent.env(), parent.passEnv(), new DeliverSpec(null, null, null, false, false),
        new NotifySpec(java.util.List.of(), parent.notifications() == null ? null : parent.notifications().reminderAt()), parent.sandbox(),
        null);
  }

  /**
   * A child's caps within the parent's {@code caps}: the same iterations and breaker, at most
   * {@code timeLeft} of the parent's time, and {@code costCap} (none when the parent has no cost cap).
   */
  Caps childCaps(Caps caps, Double costCap, java.time.Duration timeLeft) {
    java.time.Duration own = caps.maxDurationValue();
    String duration = timeLeft.compareTo(own) < 0 ? timeLeft.withNanos(0).toString() : caps.maxDuration();
    return new Caps(caps.maxIterations(), duration, costCap, caps.maxRepeatedFailures(), Caps.OnCap.STOP, caps.extendTimeout());
  }

  /**
   * The cost cap of the next child, which it reserves of the parent's budget until it ends: a
   * share of the parent's cost cap ({@code maxCostUsd / maxParallel}), or less when less is left
   * ({@code maxCostUsd} minus what was spent and what running children hold); {@code null} when
   * the parent has no cost cap. {@link #fits} says whether it may start.
   */
  Double costCap(Caps caps, double spentUsd, double reservedUsd) {
    if (caps.maxCostUsd() == null) {
      return null;
    }
    double left = caps.maxCostUsd() - spentUsd - reservedUsd;
    return Math.max(0, Math.min(share(caps), left));
  }

  /**
   * Whether a child with {@code costCap} may start: at least half a share (fail closed: a child
   * with less would most likely stop at its cap before its work is done).
   */
  boolean fits(Caps caps, Double costCap) {
    return costCap == null || costCap >= share(caps) / 2 - 1e-9;
  }

  private double share(Caps caps) {
    return caps.maxCostUsd() / parent.fanOut().normalized().maxParallel();
  }
}
