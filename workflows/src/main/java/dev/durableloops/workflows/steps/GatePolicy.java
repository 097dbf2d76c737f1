package dev.durableloops.workflows.steps;

import dev.durableloops.workflows.spec.Approval;
import dev.durableloops.workflows.spec.MetricSpec;
import dev.durableloops.workflows.state.Verdict;

import java.util.stream.Collectors;

/**
 * The gate's decision as a pure function, so it can be tested alone and read in one place. It fails
 * closed: anything not positively passing is rejected.
 *
 * <ol>
 *   <li>The maker must have exited 0 within its timeout.
 *   <li>Every required check must have exited 0 within its timeout.
 *   <li>With a metric, the attempt's metric must exist and beat the best checkpoint's.
 *   <li>With a reviewer, it must have exited 0.
 *   <li>Then the approval policy: {@code NEVER} accepts, {@code ON_PASS} asks a human;
 *       {@code EVERY_ITERATION} asks a human whether or not the above passed.
 * </ol>
 */
public final class GatePolicy {

  private GatePolicy() {}

  /**
   * Decides.
   *
   * @param input the gate input
   * @param reviewExitCode the reviewer's exit code, or {@code null} when there is no reviewer
   * @return the verdict with its reason
   */
  public static GateResult decide(GateInput input, Integer reviewExitCode) {
    String failure = firstFailure(input, reviewExitCode);
    boolean passed = failure == null;
    Approval approval = input.gate().approval();
    if (approval == Approval.EVERY_ITERATION) {
      return new GateResult(
          Verdict.ASK_HUMAN, passed, passed ? "gate passed; every iteration needs approval" : failure + "; asking a human", reviewExitCode);
    }
    if (!passed) {
      return new GateResult(Verdict.REJECT, false, failure, reviewExitCode);
    }
    if (approval == Approval.ON_PASS) {
      return new GateResult(Verdict.ASK_HUMAN, true, "gate passed; waiting for approval", reviewExitCode);
    }
    return new GateResult(Verdict.ACCEPT, true, "every required check passed", reviewExitCode);
  }

  private static String firstFailure(GateInput input, Integer reviewExitCode) {
    MakeResult make = input.make();
    if (make.timedOut()) {
      return "the maker timed out";
    }
    if (make.exitCode() != 0) {
      return "the maker exited " + make.exitCode();
    }
    String failed =
        input.check().evidence().stream()
            .filter(e -> e.required() && !e.passed())
            .map(e -> e.name() + (e.timedOut() ? " (timed out)" : " (exit " + e.exitCode() + ")"))
            .collect(Collectors.joining(", "));
    if (!failed.isEmpty()) {
      return "required checks failed: " + failed;
    }
    MetricSpec metric = input.metric();
    if (metric != null) {
      Double value = input.check().metric();
      if (value == null) {
        return "no metric found in the check output";
      }
      if (!metric.beats(value, input.bestMetric())) {
        return "metric " + value + " does not beat the best checkpoint's " + input.bestMetric();
      }
    }
    if (reviewExitCode != null && reviewExitCode != 0) {
      return "the reviewer did not approve (exit " + reviewExitCode + ")";
    }
    return null;
  }
}
