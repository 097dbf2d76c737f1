package dev.durableloops.workflows;

import dev.durableloops.workflows.state.Note;
import dev.durableloops.workflows.state.Reflection;

import java.util.List;

/**
 * What a fork starts from: another loop's checkpoint, with the reflections that loop had written by
 * then and its human notes. Built by the source loop (the {@code forkSeed} Query), carried in
 * {@link LoopInput#fork()} to the new loop, whose own budget starts at zero.
 *
 * @param sourceLoopId the loop forked from
 * @param checkpoint the checkpoint number forked from; {@code 0} is the source's base commit
 * @param commit the commit the fork starts at (40 hex); workers fetch it from the git store when
 *     their clone of the repository lacks it
 * @param reflections the reflections written up to that checkpoint, oldest first. When
 *     continue-as-new compaction has folded reflections from before and after the checkpoint into
 *     one summary, that summary is included whole (it is all that remains of them)
 * @param notes the source's human notes, oldest first (rules for the work, so all of them)
 * @param bestMetric the checkpoint's metric, or {@code null} when the checks have none
 */
public record ForkSeed(
    String sourceLoopId, int checkpoint, String commit, List<Reflection> reflections, List<Note> notes, Double bestMetric) {}
