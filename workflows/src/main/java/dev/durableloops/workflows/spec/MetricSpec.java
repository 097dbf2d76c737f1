package dev.durableloops.workflows.spec;

import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;

/**
 * A number a check prints, for keep-or-discard loops: the last match of {@code pattern}'s first
 * group in the check's output is the attempt's metric.
 *
 * @param pattern a Java regular expression with one capturing group that matches a decimal number
 * @param goal {@code MAXIMIZE} (default) or {@code MINIMIZE}
 * @param target optional: the loop succeeds once an accepted checkpoint reaches it
 */
public record MetricSpec(
    @NotBlank @Size(max = 500) String pattern, MetricGoal goal, @DecimalMin("-1e15") @DecimalMax("1e15") Double target) {

  MetricSpec normalized() {
    return goal == null ? new MetricSpec(pattern, MetricGoal.MAXIMIZE, target) : this;
  }

  /** Whether {@code candidate} is strictly better than {@code best}; anything beats no best. */
  public boolean beats(double candidate, Double best) {
    if (best == null) {
      return true;
    }
    return goal == MetricGoal.MINIMIZE ? candidate < best : candidate > best;
  }

  /** Whether {@code value} reaches the target; {@code false} when there is no target. */
  public boolean reachesTarget(Double value) {
    if (target == null || value == null) {
      return false;
    }
    return goal == MetricGoal.MINIMIZE ? value <= target : value >= target;
  }
}
