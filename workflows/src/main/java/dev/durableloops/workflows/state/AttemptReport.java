package dev.durableloops.workflows.state;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * One attempt of an iteration that made several ({@code make.attempts}), as the selection report
 * lists it.
 *
 * @param attempt the attempt number, 1-based
 * @param variant the name of its maker variant ({@code make.variants[k-1].name}, else
 *     {@code attempt-<k>})
 * @param commit its commit, or {@code null} when it was cancelled before its maker finished
 * @param ref where the git store keeps it, {@code refs/loops/<id>/attempts/<n>/<k>}; forkable like
 *     a checkpoint
 * @param diffHash SHA-256 (hex) of its diff against the checkpoint it started from; what a person's
 *     approval of it must name
 * @param diffStat e.g. {@code 2 files changed, +10 -3}
 * @param linesChanged lines added plus lines removed
 * @param makerExitCode the maker's exit code ({@code -1} on timeout)
 * @param checks per check: name and whether it passed, e.g. {@code tests:FAIL}
 * @param passed whether it passed the gate's deterministic part: maker, every required check, the
 *     metric, the reviewer
 * @param metric its metric, when a check has one, else {@code null}
 * @param costUsd what its maker reported spending, USD
 * @param note why it failed the gate, or that it was cancelled; {@code null} when it passed
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AttemptReport(
    int attempt,
    String variant,
    String commit,
    String ref,
    String diffHash,
    String diffStat,
    long linesChanged,
    int makerExitCode,
    List<String> checks,
    boolean passed,
    Double metric,
    double costUsd,
    String note) {

  /** Whether it got as far as the gate (it was not cancelled: a cancelled attempt has no commit). */
  public boolean finished() {
    return commit != null;
  }

  /** How the note of a cancelled attempt starts. */
  public static final String CANCELLED = "cancelled";

  /** An attempt cancelled before it finished, e.g. when a cap was reached while it ran. */
  public static AttemptReport cancelled(int attempt, String variant, String why) {
    return new AttemptReport(attempt, variant, null, null, null, null, 0, 0, List.of(), false, null, 0, CANCELLED + ": " + why);
  }

  /** Lines added plus removed in a stat such as {@code 2 files changed, +10 -3}; {@code 0} when it has none. */
  public static long linesChanged(String diffStat) {
    if (diffStat == null) {
      return 0;
    }
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\+(\\d+) -(\\d+)").matcher(diffStat);
    return m.find() ? Long.parseLong(m.group(1)) + Long.parseLong(m.group(2)) : 0;
  }
}
