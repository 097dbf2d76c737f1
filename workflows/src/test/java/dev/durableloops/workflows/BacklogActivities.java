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
import dev.durableloops.workflows.steps.Task;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Fake activities of a backlog: a list of tasks that discover reports while they are open; the
 * task the plan step was given is the one made and checked; its checks pass unless it is one of
 * {@code hard}; a checkpoint closes it. Everything else is {@link ScriptedActivities}'.
 */
final class BacklogActivities implements WorkspaceActivities, OutboundActivities {

  private final List<String> open;
  private final Set<String> hard;
  private final ScriptedActivities scripted = new ScriptedActivities(n -> true, n -> true, false);
  private volatile String current;

  /** The task each plan step was given, in order. */
  final List<String> planned = new CopyOnWriteArrayList<>();

  BacklogActivities(List<String> tasks, Set<String> hard) {
    this.open = new CopyOnWriteArrayList<>(tasks);
    this.hard = hard;
  }

  @Override
  public PrepareResult prepare(PrepareInput input) {
    return scripted.prepare(input);
  }

  @Override
  public DiscoverResult discover(DiscoverInput input) {
    List<Task> items = open.stream().map(t -> new Task(t, "fix " + t, "detail of " + t)).toList();
    return new DiscoverResult(items.stream().map(Task::title).toList(), items.isEmpty() ? null : items.get(0).text(), 0, null, items);
  }

  @Override
  public PlanResult plan(PlanInput input) {
    planned.add(input.task());
    current = input.task().substring("fix ".length(), input.task().indexOf('\n'));
    return scripted.plan(input);
  }

  @Override
  public MakeResult make(MakeInput input) {
    return scripted.make(input);
  }

  @Override
  public CheckResult check(CheckInput input) {
    if (!hard.contains(current)) {
      return scripted.check(input);
    }
    CheckEvidence failed = new CheckEvidence("tests", true, 1, false, 1, 1, List.of(new FailedTest("t." + current, "still broken")),
        "failed", "/nowhere/log", null);
    return new CheckResult(List.of(failed), false, "sig-" + current, null);
  }

  @Override
  public GateResult gate(GateInput input) {
    return scripted.gate(input);
  }

  @Override
  public ReviewResult review(ReviewInput input) {
    return scripted.review(input);
  }

  @Override
  public CheckpointResult checkpoint(CheckpointInput input) {
    open.remove(current);
    return scripted.checkpoint(input);
  }

  @Override
  public void discard(DiscardInput input) {}

  @Override
  public void rollback(RollbackInput input) {}

  @Override
  public ReflectResult reflect(ReflectInput input) {
    return scripted.reflect(input);
  }

  @Override
  public DeliverResult deliver(DeliverInput input) {
    return scripted.deliver(input);
  }

  @Override
  public void announce(NotifyInput input) {
    scripted.announce(input);
  }
}
