package dev.durableloops.workflows.steps;

import dev.durableloops.workflows.state.Checkpoint;

/**
 * Result of {@code Checkpoint}.
 *
 * @param commit the checkpoint commit (the attempt commit)
 * @param tag {@code loops/<id>/cp-<n>}
 */
public record CheckpointResult(String commit, String tag) {}
