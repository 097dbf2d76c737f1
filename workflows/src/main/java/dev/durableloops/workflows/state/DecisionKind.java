package dev.durableloops.workflows.state;

/** A human's answer to a pending attempt. */
public enum DecisionKind {
  APPROVE,
  REJECT
}
