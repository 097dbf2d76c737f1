package dev.durableloops.workflows.state;

/** Where a loop stands; also the {@code LoopStatus} search attribute. */
public enum LoopStatus {
  RUNNING,
  AWAITING_APPROVAL,
  /** A cap was reached with {@code onCap: ASK}: waiting for an {@code extend} decision. */
  AWAITING_BUDGET,
  PAUSED,
  SUCCEEDED,
  FAILED,
  CAPPED,
  /** The no-progress breaker fired: the same failure signature repeated too often. */
  STALLED,
  CANCELLED;

  /** Whether the loop has ended. */
  public boolean isTerminal() {
    return this == SUCCEEDED || this == FAILED || this == CAPPED || this == STALLED || this == CANCELLED;
  }
}
