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
  LoopSpec childSpec(String task, Caps caps) {
    String goal = Texts.truncate(parent.goal() + "\n\nTask (one of a fan-out): " + task, 10_000);
    return new LoopSpec(parent.name(), goal, parent.workspace(), null, parent.plan(), parent.make(), parent.checks(), parent.review(),
        parent.reflect(), parent.gate(), childCaps(caps), parent.env(), parent.passEnv(), new DeliverSpec(null, null, null, false, false),
        new NotifySpec(java.util.List.of(), parent.notifications() == null ? null : parent.notifications().reminderAt()), parent.sandbox(),
        null);
  }

  /**
   * A child's caps within the parent's {@code caps}: the same iterations, duration and breaker; the
   * cost cap is the parent's divided by {@code maxParallel}, so that many children fit at once
   * (none when the parent has none).
   */
  Caps childCaps(Caps caps) {
    Double cost = caps.maxCostUsd() == null ? null : caps.maxCostUsd() / parent.fanOut().normalized().maxParallel();
    return new Caps(caps.maxIterations(), caps.maxDuration(), cost, caps.maxRepeatedFailures(), Caps.OnCap.STOP, caps.extendTimeout());
  }

  /** What a child's worst case reserves of the parent's cost budget: its own cost cap, 0 when none. */
  double reservation(Caps caps) {
    Double cost = childCaps(caps).maxCostUsd();
    return cost == null ? 0 : cost;
  }
}
