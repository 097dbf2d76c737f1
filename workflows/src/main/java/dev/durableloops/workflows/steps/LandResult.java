package dev.durableloops.workflows.steps;

import java.util.List;

/**
 * What {@code Land} did: landed (the parent's branch in the git store moved to {@code head}, read
 * back) or bounced (nothing moved).
 *
 * @param landed whether the store's branch now has the child's change
 * @param head the parent's head after the landing (40 hex); the unchanged head when bounced
 * @param tag the landing's checkpoint tag, or {@code null} when bounced
 * @param conflicts files the merge could not combine, empty when it merged
 * @param cause the landed commit (40 hex, then its subject) that last changed the conflicting files
 *     since the child started, or {@code null}
 * @param checked the required checks on the merged result, or {@code null} when it did not merge
 * @param reason one line: what happened
 */
public record LandResult(boolean landed, String head, String tag, List<String> conflicts, String cause, CheckResult checked,
    String reason) {}
