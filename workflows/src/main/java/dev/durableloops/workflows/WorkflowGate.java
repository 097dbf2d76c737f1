package dev.durableloops.workflows;

import dev.durableloops.workflows.steps.GateInput;
import dev.durableloops.workflows.steps.GatePolicy;
import dev.durableloops.workflows.steps.GateResult;
import dev.durableloops.workflows.steps.ReviewInput;
import dev.durableloops.workflows.steps.ReviewResult;
import dev.durableloops.workflows.steps.WorkspaceActivities;
import java.util.function.Function;

/**
 * The gate as workflow code (the lean iteration, issue 23): {@link GatePolicy} over the evidence,
 * and only when a reviewer is configured and everything else passed, the {@code Review} activity,
 * whose exit code the policy then weighs. The same decision the {@code Gate} activity made, without
 * its round trip; used by a single attempt ({@link LoopWorkflowImpl}) and by each of best-of-N's
 * ({@link Attempts}).
 */
final class WorkflowGate {

  private WorkflowGate() {}

  /**
   * @param input the evidence and the gate's spec
   * @param reviewStep the stub of the {@code Review} step for a summary (on the worker holding the workspace)
   * @param prefix the summary's prefix ({@code iteration <n> · }, {@code … attempt <k> · })
   */
  static GateResult decide(GateInput input, Function<String, WorkspaceActivities> reviewStep, String prefix) {
    GateResult decided = GatePolicy.decide(input, null);
    if (input.review() == null || !decided.passed()) {
      return decided;
    }
    ReviewResult reviewed = reviewStep.apply(prefix + "review · " + input.review().command())
        .review(new ReviewInput(input.context(), input.review()));
    return GatePolicy.decide(input, reviewed.gateExitCode());
  }
}
