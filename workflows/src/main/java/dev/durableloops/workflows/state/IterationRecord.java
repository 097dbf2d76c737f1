package dev.durableloops.workflows.state;

import java.util.List;
import java.util.Map;

/**
 * One row of the loop's timeline.
 *
 * @param iteration the iteration
 * @param task what discover chose
 * @param attemptCommit the attempt's commit, or {@code null} when it did not get that far
 * @param diffStat the attempt's diff stat
 * @param makerExitCode the maker's exit code ({@code -1} on timeout)
 * @param makerSummary what the maker reported in {@code LOOP_RESULT_FILE}
 * @param costUsd the maker's reported cost, USD
 * @param checks per check: name and whether it passed, e.g. {@code tests:FAIL}
 * @param verdict the final verdict
 * @param reason why, in one sentence
 * @param checkpoint the checkpoint number it became, or {@code null}
 * @param metric the attempt's metric, when a check has one, else {@code null}
 * @param stepMillis workflow time spent per step of this iteration, ms, by lower-case phase name
 *     ({@code discover}, {@code plan}, {@code make}, {@code check}, {@code gate}, {@code approval},
 *     {@code checkpoint}, {@code discard}, {@code reflect}) in the order they ran; empty in rows
 *     recorded before steps were timed
 */
public record IterationRecord(
    int iteration,
    String task,
    String attemptCommit,
    String diffStat,
    int makerExitCode,
    String makerSummary,
    double costUsd,
    List<String> checks,
    Verdict verdict,
    String reason,
    Integer checkpoint,
    Double metric,
    Map<String, Long> stepMillis) {

  /**
   * A row that is an event of the loop rather than an attempt (a lost worker, a rollback, the
   * deadline, a budget extension, an ignored Signal): no task, attempt or checks.
   *
   * @param verdict {@code REJECT} when it ended an iteration's attempt, {@code null} when it did not
   */
  public static IterationRecord event(int iteration, Verdict verdict, String reason) {
    return new IterationRecord(iteration, null, null, null, 0, null, 0, List.of(), verdict, reason, null, null, Map.of());
  }

  /** This row with {@code millis} as its step times. */
  public IterationRecord withStepMillis(Map<String, Long> millis) {
    return new IterationRecord(iteration, task, attemptCommit, diffStat, makerExitCode, makerSummary, costUsd, checks, verdict,
        reason, checkpoint, metric, millis);
  }
}
