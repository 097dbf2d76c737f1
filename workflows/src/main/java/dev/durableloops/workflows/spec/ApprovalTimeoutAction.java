package dev.durableloops.workflows.spec;

/** What the loop does when nobody answers an approval in time. Either way the reason is recorded. */
public enum ApprovalTimeoutAction {
  /** The attempt is rejected and the loop goes on. */
  REJECT,
  /** The loop pauses with the decision still pending, until a human decides. */
  PAUSE
}
