package dev.durableloops.workflows.state;

/** The step a loop is in. */
public enum Phase {
  PREPARE,
  DISCOVER,
  PLAN,
  MAKE,
  CHECK,
  GATE,
  APPROVAL,
  CHECKPOINT,
  DISCARD,
  REFLECT,
  DELIVER,
  ROLLBACK,
  DONE
}
