package dev.durableloops.workflows.steps;

/**
 * Result of {@code Review}: what the gate policy needs of the reviewer.
 *
 * @param exitCode the reviewer's exit code
 * @param timedOut whether it ran past its timeout and was killed
 */
public record ReviewResult(int exitCode, boolean timedOut) {

  /** The exit code {@link GatePolicy#decide} takes: {@code -1} for a reviewer that timed out. */
  public int gateExitCode() {
    return timedOut ? -1 : exitCode;
  }
}
