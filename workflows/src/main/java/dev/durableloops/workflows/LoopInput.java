package dev.durableloops.workflows;

/**
 * The input of {@link LoopWorkflow#run}.
 *
 * @param spec the loop spec
 * @param carried the state carried over by continue-as-new, or {@code null} on a loop's first run
 */
public record LoopInput(LoopSpec spec, LoopState carried) {}
