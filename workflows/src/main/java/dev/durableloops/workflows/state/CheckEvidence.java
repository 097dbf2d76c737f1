package dev.durableloops.workflows.state;

import java.util.List;

/**
 * What one check said about an attempt. Output itself stays in the log file; history carries this
 * summary.
 *
 * @param name the check's name
 * @param required whether the gate demands it pass
 * @param exitCode the process exit code; {@code -1} when it timed out
 * @param timedOut whether the step timeout killed it
 * @param durationMillis wall time, ms
 * @param testsRun tests counted in its reports ({@code 0} without reports)
 * @param failedTests failing tests from its reports, at most 50
 * @param outputTail the last lines of its output, at most 2,000 characters
 * @param logPath absolute path of the full output on the worker that ran it
 * @param metric the metric read from its output, or {@code null}
 */
public record CheckEvidence(
    String name,
    boolean required,
    int exitCode,
    boolean timedOut,
    long durationMillis,
    int testsRun,
    List<FailedTest> failedTests,
    String outputTail,
    String logPath,
    Double metric) {

  /** Whether the check passed: exit code 0 and not timed out. */
  public boolean passed() {
    return exitCode == 0 && !timedOut;
  }
}
