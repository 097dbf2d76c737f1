package dev.durableloops.workflows.state;

import static dev.durableloops.workflows.Texts.truncate;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.durableloops.workflows.steps.CheckResult;
import dev.durableloops.workflows.steps.MakeResult;
import java.util.List;
import java.util.Map;

/**
 * One row of the loop's timeline: an iteration's attempt, or an event of the loop (a lost worker, a rollback, a
 * budget extension, an ignored Signal). Listed in the state's {@code iterations} property (its JSON name).
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
 * @param selection when the iteration made several attempts: each one side by side and the rule
 *     that kept this row's attempt; absent (not in the JSON) otherwise
 */
public record TimelineRow(
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
    Map<String, Long> stepMillis,
    @JsonInclude(JsonInclude.Include.NON_NULL) SelectionReport selection) {

  /** A row without a selection report: an iteration of one attempt, or an event. */
  public TimelineRow(int iteration, String task, String attemptCommit, String diffStat, int makerExitCode, String makerSummary,
      double costUsd, List<String> checks, Verdict verdict, String reason, Integer checkpoint, Double metric,
      Map<String, Long> stepMillis) {
    this(iteration, task, attemptCommit, diffStat, makerExitCode, makerSummary, costUsd, checks, verdict, reason, checkpoint, metric,
        stepMillis, null);
  }

  /**
   * A row that is an event of the loop rather than an attempt (a lost worker, a rollback, the
   * deadline, a budget extension, an ignored Signal): no task, attempt or checks.
   *
   * @param verdict {@code REJECT} when it ended an iteration's attempt, {@code null} when it did not
   */
  public static TimelineRow event(int iteration, Verdict verdict, String reason) {
    return new TimelineRow(iteration, null, null, null, 0, null, 0, List.of(), verdict, reason, null, null, Map.of());
  }

  /**
   * The row of an iteration that got as far as an attempt: what was made, how it was checked and
   * judged; texts cut to their limits (task 300, maker summary and reason 500 characters).
   *
   * @param checkpoint the checkpoint number the attempt became, or {@code null}
   */
  public static TimelineRow attempt(int iteration, String task, MakeResult made, CheckResult checked, Verdict verdict,
      String reason, Integer checkpoint) {
    List<String> checks = checked.evidence().stream().map(e -> e.name() + (e.passed() ? ":PASS" : ":FAIL")).toList();
    return new TimelineRow(iteration, truncate(task, 300), made.attemptCommit(), made.diffStat(), made.exitCode(),
        truncate(made.summary(), 500), made.costUsd(), checks, verdict, truncate(reason, 500), checkpoint, checked.metric(), Map.of());
  }

  /** This row with {@code millis} as its step times. */
  public TimelineRow withStepMillis(Map<String, Long> millis) {
    return new TimelineRow(iteration, task, attemptCommit, diffStat, makerExitCode, makerSummary, costUsd, checks, verdict,
        reason, checkpoint, metric, millis, selection);
  }

  /** This row with the selection report of its iteration's attempts. */
  public TimelineRow withSelection(SelectionReport report) {
    return new TimelineRow(iteration, task, attemptCommit, diffStat, makerExitCode, makerSummary, costUsd, checks, verdict,
        reason, checkpoint, metric, stepMillis, report);
  }
}
