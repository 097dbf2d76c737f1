package dev.durableloops.activities;

import dev.durableloops.workflows.state.CheckEvidence;
import dev.durableloops.workflows.steps.CheckInput;
import dev.durableloops.workflows.steps.CheckResult;
import dev.durableloops.workflows.steps.CheckpointInput;
import dev.durableloops.workflows.steps.CheckpointResult;
import dev.durableloops.workflows.steps.DiscardInput;
import dev.durableloops.workflows.steps.DiscoverInput;
import dev.durableloops.workflows.steps.DeliverInput;
import dev.durableloops.workflows.steps.DeliverResult;
import dev.durableloops.workflows.steps.DiscoverResult;
import dev.durableloops.workflows.steps.NotifyInput;
import dev.durableloops.workflows.steps.GateInput;
import dev.durableloops.workflows.steps.GatePolicy;
import dev.durableloops.workflows.steps.GateResult;
import dev.durableloops.workflows.steps.OutboundActivities;
import dev.durableloops.workflows.steps.WorkspaceActivities;
import dev.durableloops.workflows.steps.MakeInput;
import dev.durableloops.workflows.steps.MakeResult;
import dev.durableloops.workflows.steps.PlanInput;
import dev.durableloops.workflows.steps.PlanResult;
import dev.durableloops.workflows.steps.PrepareInput;
import dev.durableloops.workflows.steps.PrepareResult;
import dev.durableloops.workflows.steps.ReflectInput;
import dev.durableloops.workflows.steps.ReflectResult;
import dev.durableloops.workflows.steps.ReviewInput;
import dev.durableloops.workflows.steps.ReviewResult;
import dev.durableloops.workflows.steps.RollbackInput;
import io.temporal.activity.Activity;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * In-memory activities for the workflow's long-run test only (thousands of iterations in seconds):
 * no git, no processes. Every other workflow test uses the real {@link WorkerActivities}. The gate
 * is the real {@link GatePolicy}. Checks fail with a signature that alternates between two values,
 * so the stall breaker never fires; it records the run ids it served.
 */
class FastActivities implements WorkspaceActivities, OutboundActivities {

  static final String BASE = "0".repeat(40);

  final Set<String> runIds = ConcurrentHashMap.newKeySet();

  private void seen() {
    runIds.add(Activity.getExecutionContext().getInfo().getRunId());
  }

  @Override
  public PrepareResult prepare(PrepareInput input) {
    seen();
    return new PrepareResult("/nowhere", "loops/" + input.loopId(), BASE, input.commit() == null ? BASE : input.commit());
  }

  @Override
  public DiscoverResult discover(DiscoverInput input) {
    seen();
    return new DiscoverResult(List.of(input.context().goal()), input.context().goal(), 0, null, null);
  }

  @Override
  public PlanResult plan(PlanInput input) {
    return new PlanResult("/nowhere/PROMPT.md", "p", 1, 0);
  }

  @Override
  public MakeResult make(MakeInput input) {
    int n = input.context().iteration();
    return new MakeResult(String.format("%040d", n), "refs/x/" + n, true, "hash-" + n, "1 file changed, +1 -0",
        0, false, 1, "made " + n, 0.001, 10, "", "/nowhere/log");
  }

  @Override
  public CheckResult check(CheckInput input) {
    int n = input.context().iteration();
    CheckEvidence e = new CheckEvidence("tests", true, 1, false, 1, 0, List.of(), "failed", "/nowhere/log", null);
    return new CheckResult(List.of(e), false, n % 2 == 0 ? "even" : "odd", null);
  }

  @Override
  public GateResult gate(GateInput input) {
    return GatePolicy.decide(input, null);
  }

  @Override
  public ReviewResult review(ReviewInput input) {
    return new ReviewResult(0, false);
  }

  @Override
  public CheckpointResult checkpoint(CheckpointInput input) {
    return new CheckpointResult(input.attemptCommit(), "cp-" + input.number());
  }

  @Override
  public void discard(DiscardInput input) {}

  @Override
  public void rollback(RollbackInput input) {}

  @Override
  public ReflectResult reflect(ReflectInput input) {
    return new ReflectResult("Iteration " + input.context().iteration() + " failed: " + input.verdictReason(), false);
  }

  @Override
  public DeliverResult deliver(DeliverInput input) {
    return new DeliverResult(input.checkpoint(), input.onSuccess(), input.context().commit(), null, false, null, null, null, null,
        null, "2026-01-01T00:00:00Z");
  }

  @Override
  public void announce(NotifyInput input) {}
}
