package dev.durableloops.workflows.steps;

import dev.durableloops.workflows.spec.MetricGoal;
import dev.durableloops.workflows.spec.MetricSpec;
import dev.durableloops.workflows.state.AttemptReport;
import dev.durableloops.workflows.state.SelectionReport;
import java.util.Comparator;
import java.util.List;

/**
 * Which attempt of an iteration the gate keeps, as a pure function (DESIGN.md, "Fleets"). Among the
 * attempts that finished, in this order:
 *
 * <ol>
 *   <li>one that passes the gate's deterministic part (maker, every required check, metric,
 *       reviewer) beats one that does not;
 *   <li>the better metric (the spec's metric goal; an attempt without a metric loses to one with);
 *   <li>the smaller diff (lines added plus removed);
 *   <li>the lower cost;
 *   <li>the lower attempt number.
 * </ol>
 *
 * <p>The rule named in the report is the last one needed to set the winner apart from every other
 * attempt: {@value #ONLY_PASSING}, {@value #METRIC}, {@value #DIFF}, {@value #COST} or, when another
 * attempt tied with it on all of them, {@value #FIRST} after the criteria that tied, e.g.
 * {@code all passed, metric/diff/cost tied: lower attempt number} ({@code metric/} only when a check
 * has a metric; {@code attempts 1, 3 passed, } when not all passed); {@value #ONLY_FINISHED} when
 * just one attempt finished. When none passes, the
 * winner is the best of the failing ones (its evidence feeds the reflection) and the rule is prefixed
 * with {@value #NONE_PASSED}.
 */
public final class AttemptSelection {

  static final String ONLY_PASSING = "only attempt passing every required check";
  static final String METRIC = "better metric";
  static final String DIFF = "smaller diff";
  static final String COST = "lower cost";
  static final String FIRST = "lower attempt number";
  static final String ONLY_FINISHED = "only attempt that finished";
  static final String NONE_PASSED = "no attempt passed; ";
  static final String NONE_FINISHED = "no attempt finished";

  private static final String[] RULES = {ONLY_PASSING, METRIC, DIFF, COST, FIRST};

  private AttemptSelection() {}

  /**
   * Picks the winner and says why.
   *
   * @param attempts every attempt, finished or cancelled, in attempt order
   * @param metric the spec's metric, or {@code null} when no check has one
   * @return the report; its winner is {@code null} when no attempt finished
   */
  public static SelectionReport select(List<AttemptReport> attempts, MetricSpec metric) {
    List<AttemptReport> finished = attempts.stream().filter(AttemptReport::finished).toList();
    if (finished.isEmpty()) {
      return new SelectionReport(null, NONE_FINISHED, attempts);
    }
    List<Comparator<AttemptReport>> order = order(metric);
    Comparator<AttemptReport> all = order.stream().reduce(Comparator::thenComparing).orElseThrow();
    AttemptReport winner = finished.stream().min(all).orElseThrow();
    if (finished.size() == 1) {
      return new SelectionReport(winner.attempt(), ONLY_FINISHED, attempts);
    }
    int deciding = 0;
    for (AttemptReport other : finished) {
      if (other == winner) {
        continue;
      }
      int rule = 0;
      while (rule < order.size() - 1 && order.get(rule).compare(winner, other) == 0) {
        rule++;
      }
      deciding = Math.max(deciding, rule);
    }
    String rule = deciding == RULES.length - 1 ? tied(winner, finished, metric) : RULES[deciding];
    if (!winner.passed()) {
      rule = NONE_PASSED + rule;
    }
    return new SelectionReport(winner.attempt(), rule, attempts);
  }

  /** The rule when another attempt tied with the winner on every criterion before the attempt number: which criteria tied. */
  private static String tied(AttemptReport winner, List<AttemptReport> finished, MetricSpec metric) {
    List<Integer> passed = finished.stream().filter(AttemptReport::passed).map(AttemptReport::attempt).toList();
    String passing = !winner.passed() ? ""
        : passed.size() == finished.size() ? "all passed, "
        : "attempts " + String.join(", ", passed.stream().map(String::valueOf).toList()) + " passed, ";
    return passing + (metric == null ? "" : "metric/") + "diff/cost tied: " + FIRST;
  }

  /** The comparators in rule order, each putting the better attempt first. */
  private static List<Comparator<AttemptReport>> order(MetricSpec metric) {
    Comparator<AttemptReport> passing = Comparator.comparing(a -> !a.passed());
    Comparator<AttemptReport> better = (a, b) -> {
      if (metric == null || java.util.Objects.equals(a.metric(), b.metric())) {
        return 0;
      }
      if (a.metric() == null || b.metric() == null) {
        return a.metric() == null ? 1 : -1;
      }
      int ascending = Double.compare(a.metric(), b.metric());
      return metric.goal() == MetricGoal.MINIMIZE ? ascending : -ascending;
    };
    Comparator<AttemptReport> smaller = Comparator.comparingLong(AttemptReport::linesChanged);
    Comparator<AttemptReport> cheaper = Comparator.comparingDouble(AttemptReport::costUsd);
    Comparator<AttemptReport> first = Comparator.comparingInt(AttemptReport::attempt);
    return List.of(passing, better, smaller, cheaper, first);
  }
}
