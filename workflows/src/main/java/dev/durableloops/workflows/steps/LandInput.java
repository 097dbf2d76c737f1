package dev.durableloops.workflows.steps;

import dev.durableloops.workflows.spec.CheckSpec;
import java.util.List;

/**
 * What {@code Land} lands: an accepted child loop's head onto the parent's work branch.
 *
 * @param context the parent at its current head ({@code commit}: the head the landing expects the
 *     parent's branch in the git store to be at, 40 hex)
 * @param childLoopId the child loop whose work branch holds the change
 * @param childHead the child's last checkpoint commit (40 hex)
 * @param checkpoint the parent's checkpoint number the landing becomes ({@code loops/<parent>/cp-<n>})
 * @param task the child's task, for the landed commit's message
 * @param checks the parent's required checks, run on the merged result before it lands
 */
public record LandInput(StepContext context, String childLoopId, String childHead, int checkpoint, String task,
    List<CheckSpec> checks) {}
