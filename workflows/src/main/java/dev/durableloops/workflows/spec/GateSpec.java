package dev.durableloops.workflows.spec;

import java.time.Duration;

/**
 * The gate's approval policy. The gate always fails closed: an attempt can only be accepted when
 * every required check passed (and the metric improved and the review approved); this policy says
 * when a human must confirm on top.
 *
 * @param approval when to ask a human; default {@code NEVER}
 * @param approvalTimeout ISO-8601 duration a human has to answer; default {@value #DEFAULT_TIMEOUT}
 * @param onApprovalTimeout what happens when it passes; default {@code REJECT}
 */
public record GateSpec(Approval approval, @IsoDuration String approvalTimeout, ApprovalTimeoutAction onApprovalTimeout) {

  /** Default approval timeout: 24 hours. */
  public static final String DEFAULT_TIMEOUT = "PT24H";

  /** No human approval; 24 h timeout and {@code REJECT} should the policy be changed. */
  public static final GateSpec DEFAULT = new GateSpec(Approval.NEVER, DEFAULT_TIMEOUT, ApprovalTimeoutAction.REJECT);

  GateSpec normalized() {
    return new GateSpec(
        approval == null ? Approval.NEVER : approval,
        approvalTimeout == null || approvalTimeout.isBlank() ? DEFAULT_TIMEOUT : approvalTimeout,
        onApprovalTimeout == null ? ApprovalTimeoutAction.REJECT : onApprovalTimeout);
  }

  /** The approval timeout as a {@link Duration}; the spec must be normalized. */
  public Duration approvalTimeoutDuration() {
    return Durations.parse(approvalTimeout);
  }
}
