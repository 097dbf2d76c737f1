package dev.durableloops.api.loops;

import dev.durableloops.workflows.state.BacklogTask;
import dev.durableloops.workflows.state.Budget;
import dev.durableloops.workflows.steps.DeliverResult;
import dev.durableloops.workflows.state.CheckEvidence;
import dev.durableloops.workflows.state.Checkpoint;
import dev.durableloops.workflows.state.IterationRecord;
import dev.durableloops.workflows.state.LoopState;
import dev.durableloops.workflows.state.Note;
import dev.durableloops.workflows.state.PendingDecision;
import dev.durableloops.workflows.state.Phase;
import dev.durableloops.workflows.state.Reflection;
import java.util.List;
import java.util.Map;

/**
 * The body of {@code GET /api/loops/{id}} and of each {@code state} event: the loop's state (the
 * {@code state} Query) with the Temporal execution status and links. When no worker can answer the
 * Query, {@code live} is {@code false}, {@code message} says why, and only the fields Temporal's
 * search attributes keep are filled ({@code status}, {@code iteration}, {@code costUsd}); the rest
 * are {@code null}.
 *
 * @param id the loop id
 * @param loopId the loop id (the workflow id), as the Query names it
 * @param goal the goal
 * @param status the loop status ({@code RUNNING} … {@code CANCELLED}; {@code FAILED} when Temporal
 *     terminated it)
 * @param phase the step in progress
 * @param iteration iterations started
 * @param baseCommit the commit the loop started from
 * @param headCommit the last checkpoint's commit
 * @param checkpoints accepted attempts, oldest first
 * @param reflections Reflexion notes, oldest first
 * @param notes human notes, oldest first
 * @param pendingDecision the attempt waiting for a human, or {@code null}
 * @param budget caps and usage
 * @param lastEvidence the last iteration's check evidence
 * @param iterations the timeline, oldest first
 * @param repeatedFailures rejected iterations in a row with the current failure signature
 * @param bestMetric the best checkpoint's metric
 * @param stopReason why the loop ended, or {@code null}
 * @param phaseSince ISO-8601 instant the current phase began
 * @param reflectionsWritten reflections written since the loop began, compacted ones included
 * @param worker the task queue of the worker holding the workspace, or {@code null}
 * @param tasks a backlog loop's tasks (done, in progress, set aside, left), or {@code null}
 * @param deliveries the loop's deliveries (pushed branch, command outcome, URL), or {@code null}
 * @param rules the repository's rules the loop started with, or {@code null}
 * @param sandbox how the worker holding the workspace confines the loop's commands, in words, or
 *     {@code null} (not yet prepared, not live, or an older worker)
 * @param costUsd USD used (also in {@code budget}; alone when not live)
 * @param live whether the state came from the workflow itself (a worker answered the Query)
 * @param message why the state is not live, or {@code null}
 * @param workers whether a worker polls the task queue: {@code UP}, {@code DOWN} or {@code UNKNOWN}
 * @param temporalStatus the workflow execution status, e.g. {@code RUNNING}
 * @param links {@code self}, {@code web}, {@code temporal}
 */
public record LoopView(
    String id,
    String loopId,
    String goal,
    String status,
    Phase phase,
    Long iteration,
    String baseCommit,
    String headCommit,
    List<Checkpoint> checkpoints,
    List<Reflection> reflections,
    List<Note> notes,
    PendingDecision pendingDecision,
    Budget budget,
    List<CheckEvidence> lastEvidence,
    List<IterationRecord> iterations,
    Integer repeatedFailures,
    Double bestMetric,
    String stopReason,
    String phaseSince,
    Integer reflectionsWritten,
    String worker,
    List<BacklogTask> tasks,
    List<DeliverResult> deliveries,
    List<String> rules,
    String sandbox,
    Double costUsd,
    boolean live,
    String message,
    String workers,
    String temporalStatus,
    Map<String, String> links) {

  /** A live view from the workflow's own state. */
  static LoopView live(String id, LoopState s, String workers, String temporalStatus, String status, String stopReason,
      Map<String, String> links) {
    return new LoopView(id, s.loopId(), s.goal(), status, s.phase(), (long) s.iteration(), s.baseCommit(), s.headCommit(),
        s.checkpoints(), s.reflections(), s.notes(), s.pendingDecision(), s.budget(), s.lastEvidence(), s.iterations(),
        s.repeatedFailures(), s.bestMetric(), stopReason, s.phaseSince(), s.reflectionsWritten(), s.worker(), s.tasks(), s.deliveries(), s.rules(),
        s.sandbox(), s.budget() == null ? null : s.budget().costUsd(), true, null, workers, temporalStatus, links);
  }

  /** A view from Temporal's description and search attributes alone. */
  static LoopView recorded(String id, String status, Long iteration, Double costUsd, String message, String workers,
      String temporalStatus, String stopReason, Map<String, String> links) {
    return new LoopView(id, id, null, status, null, iteration, null, null, null, null, null, null, null, null, null,
        null, null, stopReason, null, null, null, null, null, null, null, costUsd, false, message, workers, temporalStatus, links);
  }
}
