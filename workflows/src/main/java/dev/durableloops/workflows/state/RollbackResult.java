package dev.durableloops.workflows.state;

import java.util.List;

/**
 * The answer of the {@code rollback} Update, sent once the workspace and state are back.
 *
 * @param checkpoint the checkpoint the loop is at now
 * @param commit its commit
 * @param rolledBack the numbers of the checkpoints marked rolled back
 * @param iteration the loop's iteration count (kept, not rewound)
 */
public record RollbackResult(int checkpoint, String commit, List<Integer> rolledBack, int iteration) {}
