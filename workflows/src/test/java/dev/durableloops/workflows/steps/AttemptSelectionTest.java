package dev.durableloops.workflows.steps;

import static org.assertj.core.api.Assertions.assertThat;

import dev.durableloops.workflows.spec.MetricGoal;
import dev.durableloops.workflows.spec.MetricSpec;
import dev.durableloops.workflows.state.AttemptReport;
import dev.durableloops.workflows.state.SelectionReport;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every rule of the documented order decides once, with its name in the report. */
class AttemptSelectionTest {

  private static AttemptReport attempt(int k, boolean passed, Double metric, long lines, double cost) {
    return new AttemptReport(k, "attempt-" + k, "c" + k, "refs/loops/l/attempts/1/" + k, "h" + k, "1 file changed, +" + lines + " -0",
        lines, passed ? 0 : 1, List.of("tests:" + (passed ? "PASS" : "FAIL")), passed, metric, cost, passed ? null : "required checks failed");
  }

  private static final MetricSpec MAX = new MetricSpec("score=(\\d+)", MetricGoal.MAXIMIZE, null);
  private static final MetricSpec MIN = new MetricSpec("ms=(\\d+)", MetricGoal.MINIMIZE, null);

  @Test
  void theOnlyAttemptPassingEveryRequiredCheckWinsWhateverItsDiffOrCost() {
    SelectionReport report = AttemptSelection.select(
        List.of(attempt(1, false, null, 1, 0.1), attempt(2, true, null, 500, 9.0), attempt(3, false, null, 2, 0.2)), null);
    assertThat(report.winner()).isEqualTo(2);
    assertThat(report.rule()).isEqualTo("only attempt passing every required check");
    assertThat(report.attempts()).hasSize(3);
  }

  @Test
  void amongPassingAttemptsTheBetterMetricWinsByTheSpecsGoal() {
    List<AttemptReport> attempts = List.of(attempt(1, true, 10.0, 1, 0.1), attempt(2, true, 30.0, 50, 1.0), attempt(3, false, 99.0, 1, 0));
    assertThat(AttemptSelection.select(attempts, MAX)).extracting(SelectionReport::winner, SelectionReport::rule)
        .containsExactly(2, "better metric");
    assertThat(AttemptSelection.select(attempts, MIN)).extracting(SelectionReport::winner, SelectionReport::rule)
        .containsExactly(1, "better metric");
  }

  @Test
  void anAttemptWithoutAMetricLosesToOneWithIt() {
    SelectionReport report = AttemptSelection.select(List.of(attempt(1, true, null, 1, 0), attempt(2, true, 5.0, 9, 0)), MAX);
    assertThat(report.winner()).isEqualTo(2);
    assertThat(report.rule()).isEqualTo("better metric");
  }

  @Test
  void equalMetricsLeaveItToTheSmallerDiff() {
    SelectionReport report = AttemptSelection.select(
        List.of(attempt(1, true, 7.0, 40, 0.1), attempt(2, true, 7.0, 12, 3.0), attempt(3, true, 3.0, 1, 0)), MAX);
    assertThat(report.winner()).isEqualTo(2);
    assertThat(report.rule()).isEqualTo("smaller diff");
  }

  @Test
  void equalDiffsLeaveItToTheLowerCostThenTheFirstAttempt() {
    assertThat(AttemptSelection.select(List.of(attempt(1, true, null, 4, 0.5), attempt(2, true, null, 4, 0.2)), null))
        .extracting(SelectionReport::winner, SelectionReport::rule).containsExactly(2, "lower cost");
    assertThat(AttemptSelection.select(List.of(attempt(1, true, null, 4, 0.5), attempt(2, true, null, 4, 0.5)), null))
        .extracting(SelectionReport::winner, SelectionReport::rule).containsExactly(1, "all passed, diff/cost tied: lower attempt number");
  }

  @Test
  void aTieOnEveryCriterionSaysWhichCriteriaTied() {
    // Attempts 2 and 3 pass with the same metric, diff and cost; attempt 1 fails.
    assertThat(AttemptSelection.select(List.of(attempt(1, false, null, 1, 0), attempt(2, true, 5.0, 4, 0.5), attempt(3, true, 5.0, 4, 0.5)),
        MAX)).extracting(SelectionReport::winner, SelectionReport::rule)
        .containsExactly(2, "attempts 2, 3 passed, metric/diff/cost tied: lower attempt number");
    // None passes and two tie: the prefix says so.
    assertThat(AttemptSelection.select(List.of(attempt(1, false, null, 2, 0.1), attempt(2, false, null, 2, 0.1)), null))
        .extracting(SelectionReport::winner, SelectionReport::rule)
        .containsExactly(1, "no attempt passed; diff/cost tied: lower attempt number");
  }

  @Test
  void whenNoneFinishedThereIsNoWinnerAndWhenOneFinishedItWins() {
    AttemptReport cancelled = AttemptReport.cancelled(1, "attempt-1", "maxCostUsd reached");
    assertThat(AttemptSelection.select(List.of(cancelled), null)).extracting(SelectionReport::winner, SelectionReport::rule)
        .containsExactly(null, "no attempt finished");
    assertThat(AttemptSelection.select(List.of(cancelled, attempt(2, false, null, 1, 0)), null))
        .extracting(SelectionReport::winner, SelectionReport::rule).containsExactly(2, "only attempt that finished");
  }

  @Test
  void whenNonePassesTheBestFailingOneIsNamedSo() {
    SelectionReport report = AttemptSelection.select(List.of(attempt(1, false, null, 9, 0), attempt(2, false, null, 3, 0)), null);
    assertThat(report.winner()).isEqualTo(2);
    assertThat(report.rule()).isEqualTo("no attempt passed; smaller diff");
  }

  @Test
  void linesChangedAreReadFromTheStat() {
    assertThat(AttemptReport.linesChanged("2 files changed, +10 -3")).isEqualTo(13);
    assertThat(AttemptReport.linesChanged(null)).isZero();
  }
}
