package dev.durableloops.workflows.steps;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.durableloops.workflows.state.SelectionReport;
import java.util.List;

/**
 * Input of {@code Notify}: one event of a loop, for the webhooks of the spec and of the worker's
 * configuration.
 *
 * @param event {@code approval-needed}, {@code approval-reminder}, {@code budget-needed}, {@code attempts-selected} or
 *     {@code ended}
 * @param loopId the loop (its workflow id)
 * @param goal the loop's goal
 * @param status the loop's status
 * @param iteration the iteration concerned
 * @param reason the stop reason ({@code ended}), the gate's verdict and reason ({@code attempts-selected}), or {@code null}
 * @param diffStat the pending attempt's diff stat (approval events), or {@code null}
 * @param deadline ISO-8601 instant the approval times out, or {@code null}
 * @param webhooks the spec's webhooks (the worker adds its configured ones)
 * @param selection when the iteration made several attempts (approval events and
 *     {@code attempts-selected}): each attempt and the rule that picked the one kept; else
 *     {@code null}, absent from the JSON
 */
public record NotifyInput(
    String event, String loopId, String goal, String status, int iteration, String reason, String diffStat, String deadline,
    List<String> webhooks, @JsonInclude(JsonInclude.Include.NON_NULL) SelectionReport selection) {

  /** An event without a selection report. */
  public NotifyInput(String event, String loopId, String goal, String status, int iteration, String reason, String diffStat,
      String deadline, List<String> webhooks) {
    this(event, loopId, goal, status, iteration, reason, diffStat, deadline, webhooks, null);
  }
}
