package dev.durableloops.api.loops;

import dev.durableloops.workflows.state.LoopStatus;

import java.util.Map;

/**
 * One row of {@code GET /api/loops}, from Temporal visibility.
 *
 * @param id the loop id
 * @param status the {@code LoopStatus} search attribute (or the Temporal status when a loop was
 *     terminated outside the app)
 * @param iteration iterations started
 * @param costUsd USD used
 * @param repository the repository
 * @param goal the goal (the workflow's static summary)
 * @param startedAt ISO-8601 instant
 * @param closedAt ISO-8601 instant, or {@code null} while running
 * @param temporalStatus the workflow execution status, e.g. {@code RUNNING}, {@code COMPLETED}
 * @param links {@code self}, {@code web}, {@code temporal}
 * @param forkOf the loop this one was forked from, or {@code null}
 * @param scheduleId the Temporal Schedule that started it ({@code TemporalScheduledById}), or
 *     {@code null}
 * @param parent the fan-out loop that started this one as a child ({@code fanOut}; Temporal's
 *     parent execution), or {@code null}
 */
public record LoopSummary(
    String id,
    String status,
    Long iteration,
    Double costUsd,
    String repository,
    String goal,
    String startedAt,
    String closedAt,
    String temporalStatus,
    Map<String, String> links,
    String forkOf,
    String scheduleId,
    String parent) {}
