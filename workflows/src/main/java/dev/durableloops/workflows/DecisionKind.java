package dev.durableloops.workflows;

/** A human's answer to a pending attempt. */
public enum DecisionKind {
  APPROVE,
  REJECT
}
