package dev.durableloops.api.schedules;

import java.util.List;
import java.util.Map;

/**
 * A schedule as {@code GET /api/schedules} and {@code GET /api/schedules/{id}} answer it.
 *
 * @param id {@code schedule-<name>}
 * @param name the schedule's name
 * @param loopName the name of the loops it starts ({@code loop-<loopName>-<time>})
 * @param goal the loops' goal
 * @param repository the loops' repository
 * @param cron the cron expression, or {@code null}
 * @param interval the interval (ISO-8601), or {@code null}
 * @param overlap the overlap policy
 * @param paused whether it is paused
 * @param note the schedule's note (why it was paused, say), or {@code null}
 * @param nextRuns ISO-8601 instants of the next runs (at most 5), empty while paused
 * @param recentRuns the latest runs, newest first (at most 10)
 * @param runs runs started so far
 * @param skipped runs skipped because the last one still ran
 * @param links {@code self}, {@code temporal} (the schedule in the Temporal UI)
 */
public record ScheduleView(
    String id,
    String name,
    String loopName,
    String goal,
    String repository,
    String cron,
    String interval,
    String overlap,
    boolean paused,
    String note,
    List<String> nextRuns,
    List<Run> recentRuns,
    long runs,
    long skipped,
    Map<String, String> links) {

  /**
   * One run of a schedule.
   *
   * @param loopId the loop it started
   * @param scheduledAt ISO-8601 instant it was due
   * @param startedAt ISO-8601 instant it started
   * @param status the loop's status now (from visibility), or {@code null} when not known yet
   */
  public record Run(String loopId, String scheduledAt, String startedAt, String status) {}
}
