package dev.durableloops.workflows;

import dev.durableloops.workflows.state.CheckEvidence;
import dev.durableloops.workflows.state.FailedTest;
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

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntPredicate;

/**
 * Fake activities for workflow-branch tests: no git, no processes, answers scripted per iteration,
 * so each branch of the loop runs in milliseconds on the time-skipping test server. The gate is the
 * real {@link GatePolicy}. Commits are made-up ids that name their iteration ({@code a…01}).
 */
class ScriptedActivities implements WorkspaceActivities, OutboundActivities {

  /** The base commit every scripted loop starts from. */
  static final String BASE = "b".repeat(40);

  private final IntPredicate passes;
  private final IntPredicate hasWork;
  private final boolean metric;

  /** The Prepare inputs seen, in order. */
  final List<PrepareInput> prepared = new CopyOnWriteArrayList<>();

  /** The loops whose activities ran. */
  final Set<String> loops = ConcurrentHashMap.newKeySet();

  /** This fake worker's own task queue, reported by Prepare; {@code null} for none. */
  volatile String hostQueue;

  /** The heartbeat timeout Prepare asks for (ISO-8601); {@code null} for the workflow's default. */
  volatile String heartbeatTimeout;

  /** Task queues the next Prepares report, one each, before {@link #hostQueue}. */
  final java.util.Queue<String> hostQueues = new java.util.concurrent.ConcurrentLinkedQueue<>();

  /**
   * @param passes which iterations' checks pass
   * @param hasWork which iterations' discover finds work
   * @param metric whether checks report a metric (the iteration number)
   */
  ScriptedActivities(IntPredicate passes, IntPredicate hasWork, boolean metric) {
    this.passes = passes;
    this.hasWork = hasWork;
    this.metric = metric;
  }

  static String attempt(int iteration) {
    return String.format("a%039d", iteration);
  }

  @Override
  public PrepareResult prepare(PrepareInput input) {
    prepared.add(input);
    loops.add(input.loopId());
    String host = hostQueues.poll();
    return new PrepareResult("/nowhere", "loops/" + input.loopId(), BASE, input.commit() == null ? BASE : input.commit(),
        host != null ? host : hostQueue, null, heartbeatTimeout);
  }

  @Override
  public DiscoverResult discover(DiscoverInput input) {
    int n = input.context().iteration();
    String task = hasWork.test(n) ? "task " + n : null;
    return new DiscoverResult(task == null ? List.of() : List.of(task), task, 0, null, null);
  }

  @Override
  public PlanResult plan(PlanInput input) {
    return new PlanResult("/nowhere/PROMPT.md", "p", 1, 0);
  }

  @Override
  public MakeResult make(MakeInput input) {
    int n = input.context().iteration();
    return new MakeResult(attempt(n), "refs/loops/x/attempts/" + n, true, "hash-" + n, "1 file changed, +1 -0",
        0, false, 1, "made " + n, 0.01, 10, "", "/nowhere/log");
  }

  @Override
  public CheckResult check(CheckInput input) {
    int n = input.context().iteration();
    boolean ok = passes.test(n);
    Double value = metric && ok ? (double) n : null;
    CheckEvidence e = new CheckEvidence("tests", true, ok ? 0 : 1, false, 1, 1,
        ok ? List.of() : List.of(new FailedTest("t.test_" + n, "failure " + n)), ok ? "ok" : "failed", "/nowhere/log", value);
    return new CheckResult(List.of(e), ok, ok ? null : "sig-" + n, value);
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
    return new CheckpointResult(input.attemptCommit(), "loops/" + input.loopId() + "/cp-" + input.number());
  }

  @Override
  public void discard(DiscardInput input) {}

  @Override
  public void rollback(RollbackInput input) {}

  @Override
  public ReflectResult reflect(ReflectInput input) {
    return new ReflectResult("reflection of iteration " + input.context().iteration(), false);
  }

  /** The Deliver inputs seen, in order. */
  final List<DeliverInput> delivered = new CopyOnWriteArrayList<>();

  /** When set, deliveries fail with this error. */
  volatile String deliveryError;

  @Override
  public DeliverResult deliver(DeliverInput input) {
    delivered.add(input);
    return new DeliverResult(input.checkpoint(), input.onSuccess(), input.context().commit(), "loops/" + input.context().loopId(),
        deliveryError == null, "pushed", null, null, null, deliveryError, "2026-01-01T00:00:00Z");
  }

  /** The notifications sent, in order. */
  final List<NotifyInput> notified = new CopyOnWriteArrayList<>();

  @Override
  public void announce(NotifyInput input) {
    notified.add(input);
  }
}
