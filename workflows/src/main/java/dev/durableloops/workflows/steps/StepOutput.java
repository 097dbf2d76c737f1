package dev.durableloops.workflows.steps;

/**
 * What a running step has printed so far: the heartbeat details of every command-running activity,
 * so the API reads it from Temporal's pending activity, whichever worker runs the step (no shared
 * disk). Sent about every 2 s while the command runs.
 *
 * @param step the step's command name: {@code discover}, {@code plan}, {@code make}, a check's name,
 *     {@code review} or {@code reflect}
 * @param status what the step is doing: {@code running}, {@code recording the log},
 *     {@code committing the attempt}
 * @param elapsedMillis time since the command started, ms
 * @param outputBytes bytes of output written so far, stdout and stderr together
 * @param tail the last lines of output, at most {@value #TAIL_CHARS} characters; for a step whose
 *     stdout is its result (discover), stdout and stderr under {@code [stdout]} and
 *     {@code [stderr]} headers; every configured secret's value is replaced by
 *     {@code [secret:NAME]}
 * @param at ISO-8601 instant of the heartbeat, the worker's clock
 */
public record StepOutput(String step, String status, long elapsedMillis, long outputBytes, String tail, String at) {

  /** Characters of output carried in one heartbeat at most. */
  public static final int TAIL_CHARS = 4_000;
}
