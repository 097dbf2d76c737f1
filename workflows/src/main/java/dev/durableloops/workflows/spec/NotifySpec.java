package dev.durableloops.workflows.spec;

import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.List;

/**
 * Whom a loop calls ({@code notifications} in a spec), beside the webhooks of the workers' configuration
 * ({@code durable-loops.notifications.webhooks}). Each webhook gets a JSON event (a Slack-compatible
 * {@code text}, structured fields and the loop's web link) when the loop waits for approval, when
 * an approval is about to time out, and when the loop ends; see the {@code Notify} activity.
 *
 * @param webhooks {@code http(s)} URLs, at most 10
 * @param reminderAt when to remind before an approval times out, as a share of the approval wait
 *     (0.1–0.99); default {@value #DEFAULT_REMINDER_AT}
 */
public record NotifySpec(
    @Size(max = 10) List<@Pattern(regexp = "https?://[^\\s]{1,2000}", message = "must be an http(s) URL") String> webhooks,
    @DecimalMin("0.1") @DecimalMax("0.99") Double reminderAt) {

  /** Default share of the approval wait after which a reminder goes out. */
  public static final double DEFAULT_REMINDER_AT = 0.8;

  /** No webhooks of the spec's own; reminders at the default share. */
  public static final NotifySpec DEFAULT = new NotifySpec(List.of(), DEFAULT_REMINDER_AT);

  /** This spec with its defaults filled in. */
  public NotifySpec normalized() {
    return new NotifySpec(webhooks == null ? List.of() : webhooks, reminderAt == null ? DEFAULT_REMINDER_AT : reminderAt);
  }
}
