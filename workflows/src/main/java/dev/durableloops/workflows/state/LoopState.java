package dev.durableloops.workflows.state;

import dev.durableloops.workflows.steps.DeliverResult;
import java.util.List;

/**
 * A loop's state: the answer of the {@code state} Query and the body of
 * {@code GET /api/loops/{id}}.
 *
 * @param loopId the workflow id
 * @param goal the goal
 * @param status where the loop stands
 * @param phase the step in progress
 * @param iteration iterations started
 * @param baseCommit the commit the loop started from
 * @param headCommit the last checkpoint's commit (the base commit before the first)
 * @param checkpoints accepted attempts, oldest first
 * @param reflections Reflexion notes, oldest first
 * @param notes human notes, oldest first
 * @param pendingDecision the attempt waiting for a human, or {@code null}
 * @param budget caps and usage
 * @param lastEvidence the last iteration's check evidence
 * @param iterations the timeline, oldest first
 * @param repeatedFailures how many rejected iterations in a row had the current failure signature
 * @param bestMetric the best checkpoint's metric, or {@code null}
 * @param stopReason why the loop ended, or {@code null} while it runs
 * @param phaseSince ISO-8601 instant (workflow time) the current phase began
 * @param reflectionsWritten reflections written since the loop began, counting those compaction
 *     has since folded into a summary; {@link Checkpoint#reflections()} counts the same way, so a
 *     checkpoint's reflections can be told apart after compaction ({@code 0} in states carried by
 *     older runs: then it equals the number of reflections listed)
 * @param worker the task queue of the worker holding the workspace ({@code <task-queue>@<worker-id>}),
 *     or {@code null} when any worker serves the loop's steps
 * @param tasks a backlog loop's tasks (a loop with {@code discover}): done, in progress, set
 *     aside, then left, at most {@value #MAX_TASKS}; empty for other loops and for states carried
 *     by older runs
 * @param deliveries the loop's deliveries ({@code Deliver}: pushed branch, command, URL), oldest
 *     first, at most 20; empty before the first
 * @param rules the rules of the loop's repository it started with ({@code .loop/RULES.md}); empty
 *     when there were none
 * @param sandbox how the worker holding the workspace confines the loop's commands, in words
 *     ({@code PrepareResult#sandbox}); {@code null} before the first Prepare or from older workers
 */
public record LoopState(
    String loopId,
    String goal,
    LoopStatus status,
    Phase phase,
    int iteration,
    String baseCommit,
    String headCommit,
    List<Checkpoint> checkpoints,
    List<Reflection> reflections,
    List<Note> notes,
    PendingDecision pendingDecision,
    Budget budget,
    List<CheckEvidence> lastEvidence,
    List<IterationRecord> iterations,
    int repeatedFailures,
    Double bestMetric,
    String stopReason,
    String phaseSince,
    int reflectionsWritten,
    String worker,
    List<BacklogTask> tasks,
    List<DeliverResult> deliveries,
    List<String> rules,
    String sandbox) {

  /** Tasks kept in the state at most (done and set-aside ones first). */
  public static final int MAX_TASKS = 200;
}
