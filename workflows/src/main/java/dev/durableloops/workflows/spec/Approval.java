package dev.durableloops.workflows.spec;

/** When the gate asks a human before keeping an attempt. */
public enum Approval {
  /** Never: an attempt that passes the gate becomes a checkpoint at once. */
  NEVER,
  /** Only attempts that pass the deterministic gate are shown to a human to approve. */
  ON_PASS,
  /**
   * Every attempt is shown to a human, passing or not; approving a failing attempt is a human
   * override and is recorded as such.
   */
  EVERY_ITERATION
}
