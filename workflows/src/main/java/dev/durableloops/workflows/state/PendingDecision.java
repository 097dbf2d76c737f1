package dev.durableloops.workflows.state;

/**
 * An attempt waiting for a human. A decision must name {@code diffHash}, so nobody approves a diff
 * they have not seen.
 *
 * @param iteration the iteration
 * @param attemptCommit the attempt's commit id
 * @param diffHash SHA-256 (hex) of the attempt's diff against the last checkpoint
 * @param diffStat e.g. {@code 2 files changed, +10 -3}
 * @param checksPassed whether the deterministic gate passed (with {@code EVERY_ITERATION} a human
 *     may be asked about a failing attempt)
 * @param deadline ISO-8601 instant the approval times out, or {@code null} when paused without one
 */
public record PendingDecision(
    int iteration, String attemptCommit, String diffHash, String diffStat, boolean checksPassed, String deadline) {

  /** The same attempt with another deadline ({@code null}: waiting without one). */
  public PendingDecision withDeadline(String newDeadline) {
    return new PendingDecision(iteration, attemptCommit, diffHash, diffStat, checksPassed, newDeadline);
  }
}
