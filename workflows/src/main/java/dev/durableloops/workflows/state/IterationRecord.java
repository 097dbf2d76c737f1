package dev.durableloops.workflows.state;

import java.util.List;

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
    Integer checkpoint) {}
