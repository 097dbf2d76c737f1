package dev.durableloops.workflows.spec;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

/**
 * Runs a backlog's tasks as child loops (DESIGN.md, "Fleets"): each task {@code discover} finds
 * becomes a child {@code LoopWorkflow} with its own workspace branched from the parent's head, and
 * the parent's merge queue lands accepted children one at a time. Needs {@code discover}.
 *
 * @param maxParallel children running at once, 1–{@value #MAX_PARALLEL}; default {@value #DEFAULT_PARALLEL}
 */
public record FanOutSpec(@Min(1) @Max(MAX_PARALLEL) Integer maxParallel) {

  /** Most children one parent runs at once. */
  public static final int MAX_PARALLEL = 16;

  /** Children at once when {@code maxParallel} is absent. */
  public static final int DEFAULT_PARALLEL = 2;

  /** This fan-out with its default filled in. */
  public FanOutSpec normalized() {
    return maxParallel == null ? new FanOutSpec(DEFAULT_PARALLEL) : this;
  }
}
