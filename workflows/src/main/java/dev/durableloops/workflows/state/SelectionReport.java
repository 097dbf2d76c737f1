package dev.durableloops.workflows.state;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * Why the gate kept one attempt of an iteration that made several: every attempt side by side and
 * the rule that decided ({@code steps.AttemptSelection} gives the order).
 *
 * @param winner the attempt kept, or {@code null} when none finished
 * @param rule the rule that decided, e.g. {@code only attempt passing every required check},
 *     {@code better metric}, {@code smaller diff}, {@code lower cost}, or after a tie on all of
 *     them which criteria tied, e.g. {@code all passed, diff/cost tied: lower attempt number}
 * @param attempts every attempt, in attempt order
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SelectionReport(Integer winner, String rule, List<AttemptReport> attempts) {

  /** The attempt numbered {@code k}, or {@code null}. */
  public AttemptReport attempt(int k) {
    return attempts.stream().filter(a -> a.attempt() == k).findFirst().orElse(null);
  }

  /** This report with another attempt kept (a person chose it), and the rule saying so. */
  public SelectionReport chosenBy(int k, String who) {
    return new SelectionReport(k, "chosen by " + who + " instead of attempt " + winner, attempts);
  }
}
