package dev.durableloops.api.schedules;

import dev.durableloops.workflows.spec.IsoDuration;
import dev.durableloops.workflows.spec.LoopSpec;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/**
 * The body of {@code POST /api/schedules}: a loop spec started on a cadence by a Temporal Schedule
 * ({@code schedule-<name>}).
 *
 * @param name slug of 1–40 characters; the schedule is {@code schedule-<name>}
 * @param spec the loop each run starts (checked like {@code POST /api/loops}); its runs are
 *     {@code loop-<spec.name>-<time>}
 * @param cron a cron expression ({@code "0 6 * * 1-5"}: 06:00 UTC on weekdays; Temporal's cron
 *     syntax), or {@code null} with {@code interval}
 * @param interval an ISO-8601 duration ({@code PT6H}), or {@code null} with {@code cron}; exactly
 *     one of the two
 * @param overlap what a run due while the last still runs does; default {@code SKIP}
 * @param paused whether it starts paused; default {@code false}
 * @param note why it is paused, or anything to remember, at most 1,000 characters
 */
public record ScheduleRequest(
    @NotBlank @Size(max = 40) @Pattern(regexp = "[a-z0-9][a-z0-9-]*", message = "must be a slug: lowercase letters, digits and '-'")
        String name,
    @NotNull @Valid LoopSpec spec,
    @Size(max = 200) String cron,
    @IsoDuration String interval,
    Overlap overlap,
    Boolean paused,
    @Size(max = 1_000) String note) {

  /** What a run due while the schedule's last run still runs does (Temporal's overlap policies). */
  public enum Overlap {
    /** Not started (the default). */
    SKIP,
    /** Started once the running one ends; one waits at most. */
    BUFFER_ONE,
    /** Started once the running ones end; all wait. */
    BUFFER_ALL,
    /** The running one is cancelled, then it starts. */
    CANCEL_OTHER,
    /** The running one is terminated, then it starts. */
    TERMINATE_OTHER,
    /** Started beside the running ones. */
    ALLOW_ALL
  }
}
