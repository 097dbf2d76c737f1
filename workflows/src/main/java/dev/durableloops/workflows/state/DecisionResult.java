package dev.durableloops.workflows.state;

/**
 * The answer of the {@code decide} Update.
 *
 * @param iteration the iteration decided
 * @param decision what was recorded
 * @param message a sentence saying what happens next
 */
public record DecisionResult(int iteration, DecisionKind decision, String message) {}
