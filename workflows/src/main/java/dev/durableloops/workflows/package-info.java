/**
 * Deterministic Temporal code of durable-loops: the {@link dev.durableloops.workflows.LoopWorkflow}
 * and its implementation, the payload records every step exchanges, and the activity contract
 * ({@link dev.durableloops.workflows.steps.WorkspaceActivities} and
 * {@link dev.durableloops.workflows.steps.OutboundActivities}) the workflow calls.
 *
 * <p>Nothing in this package performs I/O, reads the clock or draws random numbers outside the
 * Temporal {@code Workflow} API; every side effect lives in the {@code activities} module.
 */
package dev.durableloops.workflows;
