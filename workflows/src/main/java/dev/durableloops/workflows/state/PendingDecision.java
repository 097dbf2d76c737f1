package dev.durableloops.workflows.state;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

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
 * @param attempts when the iteration made several attempts: every one that passed the gate, side by
 *     side; a decision may approve another of them than the gate's pick ({@link Decision#attempt()})
 *     by naming its diff hash. Absent (not in the JSON) for an iteration of one attempt
 */
public record PendingDecision(
    int iteration, String attemptCommit, String diffHash, String diffStat, boolean checksPassed, String deadline,
    @JsonInclude(JsonInclude.Include.NON_NULL) List<Choice> attempts) {

  /**
   * A passing attempt a person may approve instead of the gate's pick.
   *
   * @param attempt its number, 1-based
   * @param commit its commit id
   * @param diffHash SHA-256 (hex) of its diff against the checkpoint; what the decision must name
   * @param diffStat e.g. {@code 2 files changed, +10 -3}
   */
  public record Choice(int attempt, String commit, String diffHash, String diffStat) {}

  /** A pending decision on the one attempt of its iteration. */
  public PendingDecision(int iteration, String attemptCommit, String diffHash, String diffStat, boolean checksPassed, String deadline) {
    this(iteration, attemptCommit, diffHash, diffStat, checksPassed, deadline, null);
  }

  /** The same attempt with another deadline ({@code null}: waiting without one). */
  public PendingDecision withDeadline(String newDeadline) {
    return new PendingDecision(iteration, attemptCommit, diffHash, diffStat, checksPassed, newDeadline, attempts);
  }

  /** The passing attempt numbered {@code k}, or {@code null}. */
  public Choice choice(int k) {
    return attempts == null ? null : attempts.stream().filter(c -> c.attempt() == k).findFirst().orElse(null);
  }
}
