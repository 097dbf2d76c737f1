package dev.durableloops.workflows.steps;

/**
 * Result of {@code Make}: the attempt.
 *
 * @param attemptCommit the commit holding every change the maker left (an empty commit when none)
 * @param attemptRef {@code refs/loops/<id>/attempts/<n>}
 * @param changed whether the attempt differs from the checkpoint
 * @param diffHash SHA-256 (hex) of the diff against the checkpoint
 * @param diffStat e.g. {@code 2 files changed, +10 -3}
 * @param exitCode the maker's exit code, {@code -1} when it timed out
 * @param timedOut whether the step timeout killed it
 * @param durationMillis wall time, ms
 * @param summary what the maker reported in {@code LOOP_RESULT_FILE}, or {@code null}
 * @param costUsd USD the maker reported, {@code 0} when none
 * @param tokens tokens the maker reported, {@code 0} when none
 * @param outputTail the last lines of its output, at most 2,000 characters
 * @param logPath absolute path of its full output
 */
public record MakeResult(
    String attemptCommit,
    String attemptRef,
    boolean changed,
    String diffHash,
    String diffStat,
    int exitCode,
    boolean timedOut,
    long durationMillis,
    String summary,
    double costUsd,
    long tokens,
    String outputTail,
    String logPath) {

  /** Whether the maker finished normally: exit code 0, not timed out. */
  public boolean succeeded() {
    return exitCode == 0 && !timedOut;
  }
}
